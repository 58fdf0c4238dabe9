#pragma once
// What the first request in a process would otherwise pay for, paid now: the
// process-wide ConnID table (some 330 KiB of zeroed pages, faulted in one by
// one) and the flush timer's thread (whose start also warms the unwinder the
// thread inventory records its creator with). A standby worker calls it while
// idle, so the first request after it takes over costs what the next ones do
// (docs/architecture.md, "Standby worker"). Host code only: never under an
// extension's call.
namespace isapi::ecb {

void warm_up();

}  // namespace isapi::ecb
