//! An argument that is not UTF-8 (`queue-demo $'\xff'`) gets a clear error and a non-zero exit,
//! not a panic: the role check reads `args_os`, which takes any bytes.

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_refused_without_a_panic() {
    testkit::assert_refuses_non_utf8_argument(
        env!("CARGO_BIN_EXE_queue-demo"),
        1,
        "unexpected argument '\u{fffd}': none is taken",
    );
}
