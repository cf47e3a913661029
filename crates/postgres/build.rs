//! The migrations are embedded at compile time (`embed_migrations!` in `src/migrate.rs`): a new
//! or changed migration must rebuild this crate, which cargo does not know on its own.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
