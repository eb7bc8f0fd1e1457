# Test helpers shared by tests/*/CMakeLists.txt.

# kiosk_test_labels(TARGET LABEL...) gives every test that gtest_discover_tests found in TARGET all
# of LABEL... (e.g. kiosk_test_labels(scanners_field_tests field scanners)).
# Why: gtest_discover_tests flattens a list given in PROPERTIES — with CMake 3.25,
# `PROPERTIES LABELS "field;printing" TIMEOUT 60` sets LABELS=field and a bogus property
# "printing"=TIMEOUT, losing both the second label and every property after it (a RESOURCE_LOCK
# dropped that way let two pcscd tests run at once). So call gtest_discover_tests with ONE label
# and name all of them here: the include file written below is read by CTest after the
# discovered tests' own and sets the whole list.
function(kiosk_test_labels target)
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake")
  file(WRITE "${include_file}"
    "foreach(test IN LISTS ${target}_TESTS)\n"
    "  set_tests_properties(\"\${test}\" PROPERTIES LABELS \"${ARGN}\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
