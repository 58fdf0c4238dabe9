#include <routing/router.hpp>

#include <catch2/catch.hpp>

using namespace isapi::host;

TEST_CASE("a mapping spec names a URL, a path and an optional load mode", "[routing]") {
    auto plain = parse_mapping("/scripts/app.dll=/srv/app.so");
    CHECK(plain.url == "/scripts/app.dll");
    CHECK(plain.module == "/srv/app.so");
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
    CHECK(router.route("/A.DLL/q")->mapping->module == "/x/a.so");
    auto deeper = router.route("/a.dll/deeper.dll/z");
    REQUIRE(deeper);
    CHECK(deeper->mapping->module == "/x/b.so");
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
    CHECK(split_target("/x/../y")->path == "/x/../y");
}

TEST_CASE("request targets that are malformed or climb above the root are refused", "[routing]") {
    CHECK_FALSE(split_target("http://example.com/"));
    CHECK_FALSE(split_target("/a%2"));
    CHECK_FALSE(split_target("/a%zz"));
    CHECK_FALSE(split_target("/a%00b"));
    CHECK_FALSE(split_target("/../etc/passwd"));
    CHECK_FALSE(split_target("/a/%2e%2e/%2e%2e/etc"));
}
