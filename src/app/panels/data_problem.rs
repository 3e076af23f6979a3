//! The missing-data and damaged-data screens, with a way out: the served folder again, or
//! the user's own files.

use engine::data::DataFile;
use yew::prelude::*;

use super::Ctx;
use crate::app_core::heal::check_data_file;
use crate::app_core::Action;
use crate::protocol::DataError;

pub fn view(ctx: &Ctx, e: &DataError) -> Html {
    let (kind, title, url, detail) = match e {
        DataError::Missing { url, detail } => ("missing", "The data is not here yet", url, detail),
        DataError::Invalid { url, detail } => {
            ("invalid", "A data file is damaged or not the official dataset", url, detail)
        }
    };
    html! {
        <section id="data-error" data-kind={kind} class="problem">
            <h2>{ title }</h2>
            <p class="detail"><strong>{ url.clone() }</strong>{": "}{ detail.clone() }</p>
            <p>{"The app reads the four IDX files from a "}<code>{"data/mnist/"}</code>{" folder (or "}<code>{"data/fashion-mnist/"}</code>{") served beside it and checks each against its pinned SHA-256. To get them:"}</p>
            <ol>
                <li>{"Run "}<code>{"scripts/serve.sh"}</code>{" from the repository: it fetches and verifies the data, then builds and serves the app."}</li>
                <li>{"Or fetch them yourself: "}<code>{"cargo run --release -p mpg -- data fetch --dir data"}</code>{" (add "}<code>{"--from DIR"}</code>{" to copy from a folder you already have), then reload."}</li>
                <li>{"Or drop your own four IDX files (gzip or raw) here."}</li>
            </ol>
            { drop_zone(ctx) }
        </section>
    }
}

/// The four files among those given, by their names, as object URLs and names.
pub fn files_action(files: &[web_sys::File]) -> Action {
    // Each file is checked against the size cap before anything reads it.
    for f in files {
        if let Err(detail) = check_data_file(&f.name(), f.size() as u64) {
            return Action::DataFailed(DataError::Invalid { url: f.name(), detail });
        }
    }
    let mut slots: [Option<(String, String)>; 4] = Default::default();
    for f in files {
        let name = f.name();
        let slot = DataFile::ALL.iter().position(|d| {
            let key = d.stem().replace("-idx3-ubyte", "").replace("-idx1-ubyte", "");
            name.contains(&key) || name.replace('.', "-").contains(&key)
        });
        if let Some(i) = slot {
            if let Ok(url) = web_sys::Url::create_object_url_with_blob(f) {
                slots[i] = Some((url, name));
            }
        }
    }
    let missing: Vec<&str> =
        DataFile::ALL.iter().zip(&slots).filter(|(_, u)| u.is_none()).map(|(d, _)| d.stem()).collect();
    if !missing.is_empty() {
        return Action::DataFailed(DataError::Missing {
            url: "your files".into(),
            detail: format!("no file named like {} among the {} you gave", missing.join(", "), files.len()),
        });
    }
    let slots = slots.map(|s| s.unwrap_or_default());
    Action::UseFiles { urls: slots.clone().map(|s| s.0), names: slots.map(|s| s.1) }
}

fn drop_zone(ctx: &Ctx) -> Html {
    let dispatch = ctx.state.dispatcher();
    let use_files = move |list: Option<web_sys::FileList>| {
        let Some(list) = list else { return };
        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        dispatch.dispatch(files_action(&files));
    };
    let on_drop = {
        let use_files = use_files.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            use_files(e.data_transfer().and_then(|d| d.files()));
        })
    };
    let on_pick = Callback::from(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        use_files(input.files());
    });
    html! {
        <div class="dropzone" ondrop={on_drop} ondragover={Callback::from(|e: DragEvent| e.prevent_default())}>
            <p>{"Drop train-images, train-labels, t10k-images and t10k-labels here, or "}
                <label class="button">{"choose files"}<input type="file" multiple=true onchange={on_pick} class="visually-hidden" /></label>
                {" "}<button onclick={ctx.cb(|_| Action::RetryServed)}>{"Try the served data again"}</button></p>
        </div>
    }
}
