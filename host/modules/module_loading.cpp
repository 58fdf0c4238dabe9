#include "module_loading.hpp"

#include <isapi/contract/host_contract.hpp>

#include "../detectors/hang_watch.hpp"
#include "../detectors/leftover_threads.hpp"

#include <isapi/platform/crash_handler.hpp>

#include <spdlog/spdlog.h>

#include <cstring>
#include <exception>
#include <filesystem>
#include <system_error>

namespace isapi::host {
namespace {

ecb::Finding finding(const LoadedModule& module, std::string kind, std::string evidence) {
    return {std::move(kind), module.name, module.load_generation, std::chrono::steady_clock::now(),
            std::move(evidence)};
}

std::string exception_text(std::exception_ptr error) {
    try {
        std::rethrow_exception(std::move(error));
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "a non-standard exception";
    }
}

// Calls an extension entry point inside a hard catch boundary. Returns false
// (and records `exception_escaped`) when a C++ exception came out of it.
template <typename Call>
bool call_guarded(std::vector<ecb::Finding>& findings, const LoadedModule& module, const char* entry_point,
                  Call&& call) {
    try {
        const EntryPointCall watched(entry_point, module.name, module.load_generation);
        call();
        return true;
    } catch (...) {
        findings.push_back(finding(module, "exception_escaped",
                                   std::string("C++ exception escaped ") + entry_point + ": " +
                                       exception_text(std::current_exception())));
        return false;
    }
}

}  // namespace

LoadAttempt load_module(platform::ModuleLoader& loader, const std::string& path, std::uint64_t generation,
                        ModuleHasher* hasher) {
    LoadAttempt attempt;
    LoadedModule& m = attempt.module;
    m.path = path;
    m.name = std::filesystem::path(path).filename().string();
    m.load_generation = generation;

    auto fail = [&](LoadFailure why, std::string reason) {
        if (m.thread_token) platform::thread_inventory().unwatch(m.thread_token);
        if (m.handle) {
            std::string ignored;
            loader.close(m.handle, ignored);
            m.handle = nullptr;
        }
        if (m.thread_token) platform::note_unloaded(m.range, m.name, m.load_generation, m.thread_token);
        attempt.failure = why;
        attempt.reason = std::move(reason);
        return std::move(attempt);
    };

    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return fail(LoadFailure::missing_file, std::string(contract::load_failure::missing_file) + ": " + path);

    std::optional<ModuleHasher::Hash> hashed;
    std::string error;
    if (hasher) {
        hashed = hasher->hash(path, error);
        if (!hashed) spdlog::warn("cannot hash {} for its build identity: {}", path, error);
    }
    m.handle = loader.open(path, error);
    if (!m.handle) return fail(LoadFailure::not_a_module, std::string(contract::load_failure::not_a_module) + ": " + error);
    if (hashed && !ModuleHasher::unchanged(path, hashed->stamp)) {
        // Replaced while it was being opened (a swap's rename): the mapping
        // says which file got mapped; where it cannot, the newer file is the
        // better guess.
        const auto mapped = platform::mapped_file_id(loader.symbol(m.handle, "GetExtensionVersion"));
        const bool old_file = mapped && mapped->device == hashed->stamp.device && mapped->inode == hashed->stamp.inode;
        if (!old_file) {
            spdlog::warn("{} changed while it was being loaded; its build identity names the new file", path);
            hashed = hasher->hash(path, error);
        }
    }
    if (hashed) m.sha256 = std::move(hashed->sha256);

    auto* get_version = reinterpret_cast<PFN_GETEXTENSIONVERSION>(loader.symbol(m.handle, "GetExtensionVersion"));
    m.proc = reinterpret_cast<PFN_HTTPEXTENSIONPROC>(loader.symbol(m.handle, "HttpExtensionProc"));
    m.terminate = reinterpret_cast<PFN_TERMINATEEXTENSION>(loader.symbol(m.handle, "TerminateExtension"));
    if (!get_version) return fail(LoadFailure::missing_export, m.name + " does not export GetExtensionVersion");
    if (!m.proc) return fail(LoadFailure::missing_export, m.name + " does not export HttpExtensionProc");

    // From here on, threads its code starts are its own.
    if (const auto range = platform::module_range(reinterpret_cast<const void*>(get_version))) {
        m.range = *range;
        m.thread_token = platform::thread_inventory().watch(*range);
        platform::note_loaded(*range, m.thread_token);
    }

    HSE_VERSION_INFO info{};
    BOOL accepted = FALSE;
    if (!call_guarded(attempt.findings, m, "GetExtensionVersion", [&] { accepted = get_version(&info); }))
        return fail(LoadFailure::version_refused, "GetExtensionVersion threw a C++ exception");
    if (!accepted) return fail(LoadFailure::version_refused, "GetExtensionVersion returned FALSE");

    info.lpszExtensionDesc[HSE_MAX_EXT_DLL_NAME_LEN - 1] = '\0';
    m.description = info.lpszExtensionDesc;
    // Debug level: in uncached mode this happens on every request.
    spdlog::debug("loaded {} (load {}): \"{}\", ISAPI {}.{}", m.name, generation, m.description,
                 HIWORD(info.dwExtensionVersion), LOWORD(info.dwExtensionVersion));
    return attempt;
}

UnloadReport unload_module(platform::ModuleLoader& loader, LoadedModule& module) {
    UnloadReport report;
    if (!module.handle) return report;
    if (module.terminate) {
        call_guarded(report.findings, module, "TerminateExtension",
                     [&] { module.terminate(HSE_TERM_MUST_UNLOAD); });
        report.terminated = true;
    }
    // Before the close: once the range is free, another module may be
    // mapped there, and its threads must not count as this one's.
    if (module.thread_token) platform::thread_inventory().unwatch(module.thread_token);
    std::string error;
    report.closed = loader.close(module.handle, error);
    module.handle = nullptr;
    if (report.closed) {
        report.still_mapped = loader.still_loaded(module.path, reinterpret_cast<const void*>(module.proc));
        if (report.still_mapped) {
            platform::note_closed(module.thread_token);
            report.findings.push_back(finding(module, "unload_ineffective",
                                              module.name + " is still mapped after unload (NODELETE or "
                                                            "STB_GNU_UNIQUE symbols); uncached mode cannot reload it"));
        } else if (module.thread_token) {
            platform::note_unloaded(module.range, module.name, module.load_generation, module.thread_token);
        }
    }
    // Before the wait for leftover threads: one that runs into the unloaded
    // code meanwhile is unloaded_code_executed.
    if (module.thread_token) {
        if (auto leftover = threads_left_running(module.thread_token, module.name))
            report.findings.push_back(finding(module, "threads_outlive_terminate", std::move(*leftover)));
    }
    if (!report.closed) {
        spdlog::error("unloading {} failed: {}", module.name, error);
        return report;
    }
    spdlog::debug("unloaded {} (load {})", module.name, module.load_generation);
    return report;
}

}  // namespace isapi::host
