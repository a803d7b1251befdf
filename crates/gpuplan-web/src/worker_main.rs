//! The page's Web Worker (file reading and the planner; see `gpuplan_web::worker`), loaded by
//! the page only when one of them is first used.
fn main() {
    #[cfg(target_arch = "wasm32")]
    gpuplan_web::worker::start();
}
