use which::which;

/// Building this crate needs bpf-linker; rerun when it changes so a rebuilt linker relinks.
fn main() {
    if let Ok(linker) = which("bpf-linker") {
        println!("cargo:rerun-if-changed={}", linker.display());
    }
}
