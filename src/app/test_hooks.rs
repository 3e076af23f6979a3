//! A hook for the end-to-end test, installed only when the page's URL has `?test-hooks=1`:
//! `window.__mpgTest.crash(target, when)` makes workers panic, so the test can watch the page
//! heal. `target` is "evaluators" (every evaluator) or "trainer"; `when` is "now",
//! "next-eval" or "after-epoch-N". A user never meets it without typing that URL.

use wasm_bindgen::prelude::*;

use super::SharedServices;
use crate::protocol::{PanicWhen, ToWorker};

fn parse_when(when: &str) -> Option<PanicWhen> {
    match when {
        "now" => Some(PanicWhen::Now),
        "next-eval" => Some(PanicWhen::NextEval),
        _ => when.strip_prefix("after-epoch-").and_then(|n| n.parse().ok()).map(PanicWhen::AfterEpoch),
    }
}

pub fn install(services: SharedServices) {
    let crash = Closure::<dyn Fn(String, String) -> bool>::new(move |target: String, when: String| {
        let Some(when) = parse_when(&when) else { return false };
        let msg = ToWorker::Panic(when);
        let guard = services.borrow();
        let Some(sv) = guard.as_ref() else { return false };
        match target.as_str() {
            "evaluators" => sv.pool.send_to_all(&msg),
            "trainer" => match &sv.trainer {
                Some(t) => t.send(&msg),
                None => return false,
            },
            _ => return false,
        }
        true
    });
    let hooks = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&hooks, &"crash".into(), crash.as_ref());
    crash.forget();
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"__mpgTest".into(), &hooks);
    }
}
