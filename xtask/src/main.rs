//! Project automation: `cargo xtask ci`, `cargo xtask web`, `cargo xtask golden --update`.

fn main() {
    eprintln!("usage: cargo xtask <ci|web|golden>");
    std::process::exit(2);
}
