//! Prints pfinet_layout.h for the features this example is built with
//! (pfinet::layout): tests/layout.rs runs it once per stock Postfix tree.

fn main() {
    print!("{}", pfinet::layout::c_header());
}
