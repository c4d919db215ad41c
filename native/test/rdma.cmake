# rdma driver tests (no hardware needed): the mlx5 model (mlx5_model.c) with the driver's Direct Verbs datapath
# running unchanged on its rings, the verbs datapath on a fake verbs context, and the real device path's error
# handling on this machine (no RDMA device). See docs/RDMA.md for what has only ever run on the model.

set(JBP_RDMA_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

# The datapath and the model, position independent so that the Java tests' JNI library links them too.
add_library(jbp_rdma_model STATIC
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_dv.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_verbs.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_port.c
  ${JBP_RDMA_TEST_DIR}/mlx5_model.c)
set_target_properties(jbp_rdma_model PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(jbp_rdma_model PUBLIC ${CMAKE_SOURCE_DIR}/native/include ${JBP_RDMA_TEST_DIR}
  ${IBVERBS_INCLUDE_DIR})
target_compile_options(jbp_rdma_model PRIVATE ${JBYPASS_C_FLAGS})

add_executable(test_mlx5_dv ${JBP_RDMA_TEST_DIR}/test_mlx5_dv.c)
target_link_libraries(test_mlx5_dv PRIVATE jbp_rdma_model)
target_compile_options(test_mlx5_dv PRIVATE ${JBYPASS_C_FLAGS})

foreach(case
    dv_tx_rx_bursts
    dv_wraparound_16bit_counters
    mlx5_cq_ownership_flips
    mlx5_compressed_cqe_sessions
    mlx5_compressed_cqe_split_across_bursts
    mlx5_compressed_holes_invalidated
    mlx5_tx_error_cqe_recovers
    mlx5_rx_error_cqe_nonfatal
    mlx5_rx_error_cqe_fatal_recovers
    mlx5_rx_unexpected_opcode
    dv_doorbell_values
    dv_tx_ring_full
    dv_rx_burst_not_armed
    dv_tx_invalid_frames_dropped
    dv_buffer_recycling_no_leaks
    mlx5_checksum_offload
    mlx5_rss_toeplitz_vectors
    mlx5_rss_spreads_flows
    dv_port_quiesce_returns_all)
  add_test(NAME ${case} COMMAND test_mlx5_dv ${case})
endforeach()
