#include <routing/router.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

using namespace isapi::host;

namespace {
// The router makes module paths absolute the way the OS does: "/srv/app.so"
// stays as it is on POSIX, and becomes "Z:\srv\app.so" (the current
// drive) on Windows.
std::filesystem::path absolute_path(const char* path) {
    return std::filesystem::absolute(std::filesystem::path(path)).lexically_normal();
}
}  // namespace

TEST_CASE("a mapping spec names a URL, a path and an optional load mode", "[routing]") {
    auto plain = parse_mapping("/scripts/app.dll=/srv/app.so");
    CHECK(plain.url == "/scripts/app.dll");
    CHECK(plain.module == absolute_path("/srv/app.so"));
    CHECK_FALSE(plain.mode.has_value());
    CHECK(parse_mapping("/a.dll=./a.so,uncached").mode == LoadMode::uncached);
    CHECK(parse_mapping("*.isa=./h.so,cached").mode == LoadMode::cached);
}

TEST_CASE("bad mapping specs are refused with a reason", "[routing]") {
    CHECK_THROWS_WITH(parse_mapping("/a.dll"), Catch::Contains("URL=PATH"));
    CHECK_THROWS_WITH(parse_mapping("/a.dll=./a.so,sometimes"), Catch::Contains("unknown option"));
    CHECK_THROWS_WITH(parse_mapping("a.dll=./a.so"), Catch::Contains("must start with '/'"));
    CHECK_THROWS_WITH(parse_mapping("*isa=./a.so"), Catch::Contains("*.ext"));
}

TEST_CASE("the path after a mapped module becomes PATH_INFO", "[routing]") {
    Router router({parse_mapping("/scripts/app.dll=/x/app.so")}, LoadMode::cached);
    auto route = router.route("/scripts/app.dll/orders/42");
    REQUIRE(route);
    CHECK(route->script_name == "/scripts/app.dll");
    CHECK(route->path_info == "/orders/42");
    CHECK(route->url_names_module);
    CHECK(route->mode == LoadMode::cached);
    CHECK(router.route("/scripts/app.dll")->path_info.empty());
    CHECK_FALSE(router.route("/scripts/app.dllx"));
    CHECK_FALSE(router.route("/other"));
}

TEST_CASE("URL matching ignores case and prefers the longest mapping", "[routing]") {
    Router router({parse_mapping("/a.dll=/x/a.so"), parse_mapping("/a.dll/deeper.dll=/x/b.so,uncached")},
                  LoadMode::cached);
    CHECK(router.route("/A.DLL/q")->mapping->module == absolute_path("/x/a.so"));
    auto deeper = router.route("/a.dll/deeper.dll/z");
    REQUIRE(deeper);
    CHECK(deeper->mapping->module == absolute_path("/x/b.so"));
    CHECK(deeper->mode == LoadMode::uncached);
    CHECK(deeper->path_info == "/z");
}

TEST_CASE("a wildcard maps every URL with its extension to one handler", "[routing]") {
    Router router({parse_mapping("*.isa=/x/h.so")}, LoadMode::uncached);
    auto route = router.route("/shop/cart.isa/items");
    REQUIRE(route);
    CHECK(route->script_name == "/shop/cart.isa");
    CHECK(route->path_info == "/items");
    CHECK_FALSE(route->url_names_module);
    CHECK(route->mode == LoadMode::uncached);
    CHECK(router.route("/CART.ISA"));
    CHECK_FALSE(router.route("/cart.isax"));
    CHECK_FALSE(router.route("/.isa"));
}

TEST_CASE("request targets are split and percent-decoded", "[routing]") {
    auto t = split_target("/a%20b/c.dll/x?q=1%202&z");
    REQUIRE(t);
    CHECK(t->path == "/a b/c.dll/x");
    CHECK(t->query == "q=1%202&z");
}

TEST_CASE("request paths are canonical before routing: dot segments resolved, '\\' a separator", "[routing]") {
    auto path = [](std::string_view target) { return split_target(target).value_or(SplitTarget{"<refused>", ""}).path; };
    CHECK(path("/x/../y") == "/y");
    CHECK(path("/a/./b/") == "/a/b/");
    CHECK(path("/a/b/..") == "/a/");
    CHECK(path("/a/b/.") == "/a/b/");
    CHECK(path("/a//b") == "/a/b");
    CHECK(path("/a\\b%5Cc") == "/a/b/c");
    CHECK(path("/a/..%2F..%2fb/c") == "<refused>");
    CHECK(path("/a/b/..%2F..%2fc") == "/c");
    CHECK(path("/a/b/%2e%2E/c") == "/a/c");
    CHECK(path("/a/..%5cb") == "/b");
    CHECK(path("/.hidden/x") == "/.hidden/x");
    CHECK(path("/a..b/c.") == "/a..b/c.");
    CHECK(path("/") == "/");
    CHECK(path("/?x=/../..")  == "/");  // the query is not a path
    CHECK(split_target("/a/../b?q=..")->query == "q=..");
}

TEST_CASE("a dot segment after a mapped module leads to another URL, never into PATH_INFO", "[routing]") {
    Router router({parse_mapping("/scripts/pt.dll=/x/pt.so"), parse_mapping("/hello.dll=/x/hello.so"),
                   parse_mapping("*.isa=/x/h.so")},
                  LoadMode::cached);
    auto route = [&](std::string_view target) { return router.route(split_target(target).value().path); };
    // Today's 404 for the module's own URL spelled with a detour becomes the module.
    REQUIRE(route("/x/../hello.dll"));
    CHECK(route("/x/../hello.dll")->script_name == "/hello.dll");
    CHECK(route("/x/../hello.dll")->path_info.empty());
    // The old escape: the rest of the URL as PATH_INFO with ".." in it.
    CHECK_FALSE(route("/scripts/pt.dll/../../secret.txt"));
    CHECK_FALSE(route("/a/b/c/d/e.isa/../../../../../etc/passwd"));
    const auto kept = route("/scripts/pt.dll/a/./b//c/../d");
    REQUIRE(kept);
    CHECK(kept->script_name == "/scripts/pt.dll");
    CHECK(kept->path_info == "/a/b/d");
    const auto wild = route("/shop/x/../cart.isa/items/..");
    REQUIRE(wild);
    CHECK(wild->script_name == "/shop/cart.isa");
    CHECK(wild->path_info == "/");
}

TEST_CASE("request targets that are malformed or climb above the root are refused", "[routing]") {
    CHECK_FALSE(split_target("http://example.com/"));
    CHECK_FALSE(split_target("/a%2"));
    CHECK_FALSE(split_target("/a%zz"));
    CHECK_FALSE(split_target("/a%00b"));
    CHECK_FALSE(split_target("/../etc/passwd"));
    CHECK_FALSE(split_target("/a/%2e%2e/%2e%2e/etc"));
    CHECK_FALSE(split_target("/a/..%2f..%2f..%2fetc"));
    CHECK_FALSE(split_target("/a\\..\\..\\etc"));
    CHECK_FALSE(split_target("/scripts/pt.dll/../../../secret.txt"));
}

TEST_CASE("request paths with control characters are refused, escaped or not, as HTTP.sys does", "[routing]") {
    CHECK_FALSE(split_target("/a%0d%0aSet-Cookie:%20x"));
    CHECK_FALSE(split_target("/a%09b"));
    CHECK_FALSE(split_target("/a%7Fb"));
    CHECK_FALSE(split_target("/a\x01b"));
    CHECK_FALSE(split_target("/a%C2%85b"));  // U+0085, a C1 control
    CHECK(split_target("/caf%C3%A9")->path == "/caf\xC3\xA9");
    CHECK(split_target("/a%C2%A0b"));  // U+00A0 is no control
}
