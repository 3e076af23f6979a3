//! Fetches the shipped ready-trained models (see `app_core::shipped`): the manifest, then
//! each file it lists, checked against its listed size. An evaluator reads them afterwards.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app_core::shipped::{Manifest, ShippedFile, FOLDER, MANIFEST, MAX_FILE_BYTES};

/// The bytes at `url` (relative to the page), or why not, naming `url`.
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let resp = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| format!("{url}: {e:?}"))?;
    let resp: web_sys::Response = resp.unchecked_into();
    if !resp.ok() {
        return Err(format!("{url}: HTTP {} {}", resp.status(), resp.status_text()));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(|e| format!("{url}: {e:?}"))?)
        .await
        .map_err(|e| format!("{url}: {e:?}"))?;
    let bytes = js_sys::Uint8Array::new(&buf).to_vec();
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!("{url}: {} bytes (at most {MAX_FILE_BYTES})", bytes.len()));
    }
    Ok(bytes)
}

/// Every model of the manifest, in its order.
pub async fn fetch_all() -> Result<Vec<ShippedFile>, String> {
    let text = fetch_bytes(MANIFEST).await?;
    // A server answering every path with index.html (trunk serve, many static hosts) would
    // otherwise show as a JSON error.
    let text = String::from_utf8(text).map_err(|_| format!("{MANIFEST} is not text"))?;
    let manifest = Manifest::parse(&text)?;
    let mut files = Vec::with_capacity(manifest.models.len());
    for entry in manifest.models {
        let url = format!("{FOLDER}{}", entry.file);
        let bytes = fetch_bytes(&url).await?;
        if bytes.len() != entry.bytes {
            return Err(format!(
                "{url}: {} bytes, but the manifest lists {} (a damaged or stale file)",
                bytes.len(),
                entry.bytes
            ));
        }
        files.push(ShippedFile { entry, bytes: Rc::new(bytes) });
    }
    Ok(files)
}
