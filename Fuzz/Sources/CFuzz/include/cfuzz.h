#ifndef CFUZZ_H
#define CFUZZ_H
/* libFuzzer's driver entry point (provided by -sanitize=fuzzer). SwiftPM links its own main into an executable, so
   each fuzz target's main.swift calls this instead of relying on LLVMFuzzerTestOneInput being found. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t));

#endif
