# The native contract's helpers (jbp_jni.c) on a fake JNIEnv: registration of present, absent and mismatched
# binding classes, and the checks of strings, direct buffers and arrays.
add_executable(test_jni ${CMAKE_CURRENT_LIST_DIR}/test_jni.c ${CMAKE_SOURCE_DIR}/native/src/jbp_jni.c)
target_include_directories(test_jni PRIVATE ${CMAKE_SOURCE_DIR}/native/include ${JNI_INCLUDE_DIRS})
target_compile_options(test_jni PRIVATE ${JBYPASS_C_FLAGS})
foreach(test_case register_present_class register_skips_absent_class register_fails_on_mismatch
                  register_keeps_other_failures strings_checked buffers_and_arrays_checked)
  add_test(NAME jni.${test_case} COMMAND test_jni ${test_case})
endforeach()
