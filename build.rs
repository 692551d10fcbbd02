//! Rebuilds when a migration changes: they are embedded in the binary by a macro, which cargo
//! cannot see reading the folder.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
