// The test runner: GoogleTest, then wps_shutdown so that a run under valgrind ends with every
// library thread joined and every finalizer run (what is left is a real leak).
#include <gtest/gtest.h>

#include <webpubsub/runtime.hpp>

#include <iostream>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const int status = RUN_ALL_TESTS();
    try {
        webpubsub::shutdown(std::chrono::seconds(10));
    } catch (const std::exception& e) {
        std::cerr << "webpubsub::shutdown failed: " << e.what() << "\n";
        return 1;
    }
    return status;
}
