#pragma once
// Helpers for the tests that run under umockdev-wrapper (harness.md §2).
#include <umockdev.h>

#include <cstdlib>
#include <cstring>

namespace kiosk::test {

inline bool underUmockdev() {
    const char* preload = std::getenv("LD_PRELOAD");
    return preload && std::strstr(preload, "umockdev");
}

/// Resolves an ioctl's pointer argument to a local buffer of `size` bytes (written back on completion).
inline void* resolveIoctlArgument(UMockdevIoctlClient* client, size_t size) {
    UMockdevIoctlData* argument = umockdev_ioctl_client_get_arg(client);
    GError* error = nullptr;
    UMockdevIoctlData* data = umockdev_ioctl_data_resolve(argument, 0, size, &error);
    if (!data) {
        if (error) g_error_free(error);
        return nullptr;
    }
    return data->data;
}

}  // namespace kiosk::test
