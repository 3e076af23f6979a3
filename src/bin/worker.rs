//! The web worker: trainer and evaluators are instances of this one binary. It answers
//! `Ready` as soon as it listens, loads data with `fetch`, and hands everything else to
//! [`WorkerCore`], posting replies as they come (progress goes out while training runs).

#[cfg(target_arch = "wasm32")]
fn main() {
    shell::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the worker only runs in a browser (build it with trunk)");
}

#[cfg(target_arch = "wasm32")]
mod shell {
    use std::cell::RefCell;
    use std::rc::Rc;

    use js_sys::Uint8Array;
    use memristor_playground::protocol::{decode, encode, DataError, DataSource, FromWorker, ToWorker};
    use memristor_playground::worker_core::{check_answer, check_request, parse_files, WorkerCore};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::{spawn_local, JsFuture};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Response};

    fn scope() -> DedicatedWorkerGlobalScope {
        js_sys::global().unchecked_into()
    }

    fn post(msg: FromWorker) {
        let bytes = encode(&msg);
        let _ = scope().post_message(&Uint8Array::from(&bytes[..]));
    }

    fn clock() -> f64 {
        scope().performance().map(|p| p.now() / 1000.0).unwrap_or_else(|| js_sys::Date::now() / 1000.0)
    }

    /// Fetches a data file; `name` is what messages call it.
    async fn fetch_bytes(url: &str, name: &str) -> Result<Vec<u8>, DataError> {
        let missing = |detail: String| DataError::Missing { url: name.to_string(), detail };
        let resp = JsFuture::from(scope().fetch_with_str(url)).await.map_err(|e| missing(format!("{e:?}")))?;
        let resp: Response = resp.unchecked_into();
        if !resp.ok() {
            return Err(missing(format!("HTTP {} {}", resp.status(), resp.status_text())));
        }
        let buf = JsFuture::from(resp.array_buffer().map_err(|e| missing(format!("{e:?}")))?)
            .await
            .map_err(|e| missing(format!("{e:?}")))?;
        let bytes = Uint8Array::new(&buf).to_vec();
        let content_type = resp.headers().get("content-type").ok().flatten();
        check_answer(name, content_type.as_deref(), &bytes)?;
        Ok(bytes)
    }

    async fn load(core: Rc<RefCell<WorkerCore>>, source: DataSource) {
        let t0 = clock();
        let mut files: [Vec<u8>; 4] = Default::default();
        for (i, url) in source.urls.iter().enumerate() {
            if i < 2 && !source.need_train {
                continue;
            }
            match fetch_bytes(url, &source.names[i]).await {
                Ok(b) => files[i] = b,
                Err(e) => return post(FromWorker::DataFailed(e)),
            }
        }
        match parse_files(&source, files, 0.0) {
            Ok((loaded, mut reply)) => {
                if let FromWorker::DataLoaded { millis, .. } = &mut reply {
                    *millis = (clock() - t0) * 1000.0;
                }
                core.borrow_mut().data = Some(loaded);
                post(reply);
                // The trainer warms up when the page says (`ToWorker::WarmUp`): at once,
                // unless the page's first figures need the cores first.
            }
            Err(e) => post(FromWorker::DataFailed(e)),
        }
    }

    /// Fetches the training files (from the browser cache, usually: the trainer fetched them)
    /// for calibrated crossbar scaling, then handles `msg`. The pool sends an evaluator one job
    /// at a time, so nothing else of this worker's waits behind the fetch.
    async fn calibrate_then_handle(core: Rc<RefCell<WorkerCore>>, urls: [String; 2], msg: ToWorker) {
        let job = if let ToWorker::Eval { job, .. } = &msg { *job } else { 0 };
        let mut files: [Vec<u8>; 2] = Default::default();
        for (i, url) in urls.iter().enumerate() {
            match fetch_bytes(url, url.rsplit('/').next().unwrap_or(url)).await {
                Ok(b) => files[i] = b,
                Err(e) => {
                    return post(FromWorker::EvalFailed {
                        job,
                        error: format!("calibrated scaling needs the training images: {e}"),
                    })
                }
            }
        }
        if let Err(e) = core.borrow_mut().add_calibration(&files[0], &files[1]) {
            return post(FromWorker::EvalFailed {
                job,
                error: format!("calibrated scaling needs the training images: {e}"),
            });
        }
        core.borrow_mut().handle(msg, &clock, &mut post);
    }

    pub fn run() {
        // A panic leaves the wasm instance unusable: log it, and tell the page, whose error
        // event does not fire for a panic in a promise's task (data loading, calibration).
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            let at = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
            post(FromWorker::Panicked(format!("{msg}{at}")));
        }));
        // The worker's wasm memory, for probes (e2e/memory-probe.mjs reads its size through
        // DevTools): wasm memory never shrinks, so its size is the worker's peak heap.
        let _ = js_sys::Reflect::set(&scope(), &"mpgWasmMemory".into(), &wasm_bindgen::memory());
        let core = Rc::new(RefCell::new(WorkerCore::default()));
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let bytes = Uint8Array::new(&e.data()).to_vec();
            match decode::<ToWorker>(&bytes) {
                Err(err) => post(FromWorker::ProtocolError(err.to_string())),
                Ok(ToWorker::LoadData(source)) => match check_request(&ToWorker::LoadData(source.clone())) {
                    Ok(()) => spawn_local(load(core.clone(), source)),
                    Err(detail) => {
                        post(FromWorker::DataFailed(DataError::Invalid { url: source.names[0].clone(), detail }))
                    }
                },
                Ok(msg) => {
                    let calibration = core.borrow().needs_calibration(&msg);
                    match calibration {
                        Some(urls) => spawn_local(calibrate_then_handle(core.clone(), urls, msg)),
                        None => core.borrow_mut().handle(msg, &clock, &mut post),
                    }
                }
            }
        });
        scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();
        post(FromWorker::Ready);
    }
}
