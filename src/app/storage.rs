//! Trained models survive a reload: IndexedDB holds each model's metadata (JSON) and its
//! safetensors bytes.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DB: &str = "memristor-playground";
const STORE: &str = "models";

/// Resolves when `req` succeeds (with its result) or fails.
async fn wait(req: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move |_e: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let err = Closure::once_into_js(move |_e: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB request failed"));
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(err.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| format!("{e:?}"))
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("IndexedDB is not available; models will not survive a reload")?;
    let req: IdbOpenDbRequest = factory.open_with_u32(DB, 1).map_err(|e| format!("{e:?}"))?;
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

/// Stores a model under its id.
pub async fn put_model(id: u64, meta_json: &str, bytes: &[u8]) -> Result<(), String> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).map_err(|e| format!("{e:?}"))?;
    let store = tx.object_store(STORE).map_err(|e| format!("{e:?}"))?;
    let value = Object::new();
    Reflect::set(&value, &"meta".into(), &meta_json.into()).map_err(|e| format!("{e:?}"))?;
    Reflect::set(&value, &"bytes".into(), &Uint8Array::from(bytes)).map_err(|e| format!("{e:?}"))?;
    let req = store.put_with_key(&value, &JsValue::from_f64(id as f64)).map_err(|e| format!("{e:?}"))?;
    wait(&req).await.map(|_| ())
}

/// Deletes a model.
pub async fn delete_model(id: u64) -> Result<(), String> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).map_err(|e| format!("{e:?}"))?;
    let store = tx.object_store(STORE).map_err(|e| format!("{e:?}"))?;
    let req = store.delete(&JsValue::from_f64(id as f64)).map_err(|e| format!("{e:?}"))?;
    wait(&req).await.map(|_| ())
}

/// Every stored model as (metadata JSON, bytes).
pub async fn all_models() -> Result<Vec<(String, Vec<u8>)>, String> {
    let db = open().await?;
    let tx = db.transaction_with_str(STORE).map_err(|e| format!("{e:?}"))?;
    let store = tx.object_store(STORE).map_err(|e| format!("{e:?}"))?;
    let req = store.get_all().map_err(|e| format!("{e:?}"))?;
    let all: Array = wait(&req).await?.unchecked_into();
    let mut out = Vec::new();
    for v in all.iter() {
        let meta = Reflect::get(&v, &"meta".into()).ok().and_then(|m| m.as_string());
        let bytes = Reflect::get(&v, &"bytes".into()).ok().map(|b| Uint8Array::new(&b).to_vec());
        if let (Some(m), Some(b)) = (meta, bytes) {
            out.push((m, b));
        }
    }
    Ok(out)
}
