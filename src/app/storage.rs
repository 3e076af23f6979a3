//! Trained models survive a reload: IndexedDB holds each model's metadata (JSON) and its
//! safetensors bytes. A write counts as done when its transaction commits (a quota abort
//! happens at commit), and every failure names its `DOMException` ("QuotaExceededError: ...").

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::app_core::models::StoredEntry;

const DB: &str = "memristor-playground";
const STORE: &str = "models";

/// A `DOMException` (or any thrown value) as "Name: message".
fn describe(e: &JsValue) -> String {
    match e.dyn_ref::<DomException>() {
        Some(ex) if ex.message().is_empty() => ex.name(),
        Some(ex) => format!("{}: {}", ex.name(), ex.message()),
        None => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    }
}

fn rejected(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| describe(&e))
}

/// Resolves when `req` succeeds (with its result); fails with its error's name and message.
/// The handlers are set at once, so several requests can be awaited one after the other.
fn wait(req: &IdbRequest) -> impl std::future::Future<Output = Result<JsValue, String>> {
    let promise = Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move |_e: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let r = req.clone();
        let err = Closure::once_into_js(move |_e: web_sys::Event| {
            let why = match r.error() {
                Ok(Some(ex)) => describe(&ex.into()),
                _ => "IndexedDB request failed without saying why".to_string(),
            };
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(err.unchecked_ref()));
    });
    let future = JsFuture::from(promise);
    async move { future.await.map_err(rejected) }
}

/// Resolves when `tx` commits; fails when it aborts, with the reason the transaction gives
/// (a failed request's error, or a `QuotaExceededError` at commit).
/// The handlers are set at once (before the transaction can finish).
fn committed(tx: &IdbTransaction) -> impl std::future::Future<Output = Result<(), String>> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |_e: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let aborted = Closure::once_into_js(move |_e: web_sys::Event| {
            let why = match t.error() {
                Some(ex) => describe(&ex.into()),
                None => "AbortError: the transaction was aborted".to_string(),
            };
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onabort(Some(aborted.unchecked_ref()));
    });
    let future = JsFuture::from(promise);
    async move { future.await.map(|_| ()).map_err(rejected) }
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("IndexedDB is not available; models will not survive a reload")?;
    let req: IdbOpenDbRequest = factory.open_with_u32(DB, 1).map_err(|e| describe(&e))?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let req: IdbOpenDbRequest = e.target().unwrap().unchecked_into();
        if let Ok(db) = req.result() {
            let db: IdbDatabase = db.unchecked_into();
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = wait(&req).await?;
    drop(upgrade);
    Ok(db.unchecked_into())
}

/// Stores a model under its id; resolves once the transaction has committed.
pub async fn put_model(id: u64, meta_json: &str, bytes: &[u8]) -> Result<(), String> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).map_err(|e| describe(&e))?;
    let done = committed(&tx);
    let store = tx.object_store(STORE).map_err(|e| describe(&e))?;
    let value = Object::new();
    Reflect::set(&value, &"meta".into(), &meta_json.into()).map_err(|e| describe(&e))?;
    Reflect::set(&value, &"bytes".into(), &Uint8Array::from(bytes)).map_err(|e| describe(&e))?;
    store.put_with_key(&value, &JsValue::from_f64(id as f64)).map_err(|e| describe(&e))?;
    done.await
}

/// Deletes a model; resolves once the transaction has committed.
pub async fn delete_model(id: u64) -> Result<(), String> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).map_err(|e| describe(&e))?;
    let done = committed(&tx);
    let store = tx.object_store(STORE).map_err(|e| describe(&e))?;
    store.delete(&JsValue::from_f64(id as f64)).map_err(|e| describe(&e))?;
    done.await
}

/// A stored key as text.
fn key_text(k: &JsValue) -> String {
    match k.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
        _ => k.as_string().unwrap_or_else(|| format!("{k:?}")),
    }
}

/// Every stored entry, readable or not (the caller lists what does not read).
pub async fn all_models() -> Result<Vec<StoredEntry>, String> {
    let db = open().await?;
    let tx = db.transaction_with_str(STORE).map_err(|e| describe(&e))?;
    let store = tx.object_store(STORE).map_err(|e| describe(&e))?;
    let keys = wait(&store.get_all_keys().map_err(|e| describe(&e))?);
    let values = wait(&store.get_all().map_err(|e| describe(&e))?);
    let keys: Array = keys.await?.unchecked_into();
    let values: Array = values.await?.unchecked_into();
    let mut out = Vec::new();
    for (k, v) in keys.iter().zip(values.iter()) {
        let field = |name: &str| if v.is_object() { Reflect::get(&v, &name.into()).ok() } else { None };
        let meta = field("meta").and_then(|m| m.as_string());
        let bytes = field("bytes").filter(|b| b.is_instance_of::<Uint8Array>()).map(|b| Uint8Array::new(&b).to_vec());
        out.push(StoredEntry { key: key_text(&k), meta, bytes });
    }
    Ok(out)
}
