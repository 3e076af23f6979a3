//! The kept models: explore, download, delete; and the upload of a model file.

use yew::prelude::*;

use super::{swatch, Ctx};
use crate::app::browser::download;
use crate::app_core::heal::check_model_file;
use crate::app_core::shipped::ShippedStatus;
use crate::app_core::{Action, Tab};

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    if s.hides("models") {
        return html! {};
    }
    if s.models.is_empty() {
        return html! { <section id="models">{ upload(ctx) }{ add_shipped(ctx) }{ unreadable(ctx) }</section> };
    }
    let rows = s.models.iter().map(|m| {
        let id = m.meta.id;
        let bytes = m.bytes.clone();
        let file = format!("model-{id}.safetensors");
        let explore = {
            let d = ctx.state.dispatcher();
            Callback::from(move |_| {
                d.dispatch(Action::SelectModel(Some(id)));
                d.dispatch(Action::SetTab(Tab::Explore));
            })
        };
        html! {
            <tr>
                <td>{ swatch(id) }{ m.meta.name.clone() }</td>
                <td class="num">{ format!("{:.2}%", m.meta.test_accuracy) }</td>
                <td class="num">{ format!("{:.1} s", m.meta.train_seconds) }</td>
                <td>
                    <button onclick={explore}>{"Explore"}</button>{" "}
                    <button onclick={Callback::from(move |_| download(&bytes, &file, "application/octet-stream"))}>{"Download .safetensors"}</button>{" "}
                    <button class="pytorch-export" title="A state dict with PyTorch's key names and layouts (docs/pytorch.md shows how to load it)"
                        onclick={ctx.cb(move |_| Action::ExportPytorch(id))}>{"for PyTorch"}</button>{" "}
                    <button onclick={ctx.cb(move |_| Action::DeleteModel(id))} aria-label="delete model">{"Delete"}</button>
                </td>
            </tr>
        }
    });
    html! {
        <section id="models">
            <h2>{"Trained models (kept in this browser)"}</h2>
            { upload(ctx) }
            { add_shipped(ctx) }
            <table>
                <thead><tr><th>{"model"}</th><th>{"test accuracy"}</th><th>{"training time"}</th><th>{"actions"}</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <crate::app::plots::TableCsv table="#models table" file="models.csv" what="the list of trained models" />
            { unreadable(ctx) }
        </section>
    }
}

/// The shipped ready-trained models, offered again when none of them is in the list.
fn add_shipped(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let busy = matches!(s.shipped.status, ShippedStatus::Fetching | ShippedStatus::Importing);
    let any = s.models.iter().any(|m| m.meta.name.ends_with(crate::app_core::shipped::SUFFIX));
    if busy || any {
        return html! {};
    }
    html! { <p><button id="add-shipped-models" onclick={ctx.cb(|_| Action::AddShipped)}>{"Add the ready-trained models"}</button></p> }
}

/// Stored entries that could not be read back: listed, with the reason, never skipped.
fn unreadable(ctx: &Ctx) -> Html {
    let list = &ctx.state.unreadable;
    if list.is_empty() {
        return html! {};
    }
    let items = list.iter().map(|u| {
        let name = u.name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
        html! { <li data-key={u.key.clone()}>{ format!("entry {}{name}: {}", u.key, u.reason) }</li> }
    });
    html! {
        <div id="unreadable-models" class="problem" role="status">
            <p>{ format!("{} stored entr{} could not be read back (saved by another version of the app, or damaged); left in storage, not shown above:", list.len(), if list.len() == 1 { "y" } else { "ies" }) }</p>
            <ul>{ for items }</ul>
        </div>
    }
}

/// Upload a model file: one of ours, or a PyTorch MLP state dict saved as safetensors. The
/// bytes are read here and handed over as an action; an evaluator checks and evaluates them.
fn upload(ctx: &Ctx) -> Html {
    if ctx.state.hides("upload") {
        return html! {};
    }
    let dispatch = ctx.state.dispatcher();
    let on_pick = Callback::from(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        let Some(files) = input.files() else { return };
        for i in 0..files.length() {
            let Some(file) = files.get(i) else { continue };
            let dispatch = dispatch.clone();
            // Refused before it is read into memory, with its size and the cap.
            if let Err(e) = check_model_file(&file.name(), file.size() as u64) {
                dispatch.dispatch(Action::Notice(Some(e.clone())));
                dispatch.dispatch(Action::UploadRefused(e));
                continue;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                    Ok(buf) => {
                        let bytes = std::rc::Rc::new(js_sys::Uint8Array::new(&buf).to_vec());
                        dispatch.dispatch(Action::Upload { name, bytes });
                    }
                    Err(e) => dispatch.dispatch(Action::Notice(Some(format!("could not read {name}: {e:?}")))),
                }
            });
        }
        input.set_value("");
    });
    html! {
        <>
        <p>
            <label class="button">{"Upload a model (.safetensors: ours or a PyTorch MLP state dict)"}
                <input id="upload-model" type="file" accept=".safetensors" multiple=true onchange={on_pick} class="visually-hidden" /></label>
        </p>
        // beside the button that caused it, not only in the header
        if let Some(e) = &ctx.state.upload_error { <p id="upload-error" class="error" role="alert">{ e.clone() }</p> }
        </>
    }
}
