//! The four panels, the status line and the data screens. Each control sits beside a short
//! explanation of what it models.

use std::rc::Rc;

use engine::data::DatasetKind;
use engine::experiments::report::{BATCH_TABLE, HARDENING_TABLE};
use engine::model::Architecture;
use engine::train::{DistillLoss, GradientVariant, Method};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::plots::{Chart, Histogram, Legend, LineChart, Series};
use super::state::*;
use super::{files_to_source, load_data, now_ms, served_source, SharedServices};
use crate::protocol::{DataError, EvalOutput, Samples, ToWorker};

/// What a panel needs: the state (with its dispatcher) and the workers.
pub struct Ctx {
    pub state: UseReducerHandle<State>,
    pub services: SharedServices,
}

impl Ctx {
    fn cb<E>(&self, f: impl Fn(E) -> Action + 'static) -> Callback<E> {
        let d = self.state.dispatcher();
        Callback::from(move |e| d.dispatch(f(e)))
    }
    /// A callback that edits the train form.
    fn form<E: Clone + 'static>(&self, f: impl Fn(&mut TrainForm, E) + 'static) -> Callback<E> {
        let dispatch = self.state.dispatcher();
        let f = Rc::new(f);
        Callback::from(move |e: E| {
            // The reducer runs within `dispatch`, while the event is still current.
            let f = f.clone();
            dispatch.dispatch(Action::Form(FormEdit(Rc::new(move |form: &mut TrainForm| f(form, e.clone())))));
        })
    }
}

fn input_value(e: &Event) -> String {
    e.target()
        .and_then(|t| {
            t.dyn_into::<HtmlInputElement>()
                .ok()
                .map(|i| i.value())
                .or_else(|| e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()).map(|s| s.value()))
        })
        .unwrap_or_default()
}

fn fmt_int(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn status_line(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let data = match &s.data {
        DataStatus::Loading => {
            html! { <span id="data-status" data-state="loading">{"Loading and checking the data…"}</span> }
        }
        DataStatus::Ready { kind, train, test, millis, custom } => html! {
            <span id="data-status" data-state="ready">
                { format!("{} ready: {} training / {} test images, {} ({:.1} s)",
                    if *kind == DatasetKind::Mnist { "MNIST" } else { "Fashion-MNIST" },
                    if *train > 0 { fmt_int(*train) } else { "…".into() }, fmt_int(*test),
                    if *custom { "your own files, not checksum-verified" } else { "SHA-256 verified" }, millis / 1000.0) }
            </span>
        },
        DataStatus::Failed(_) => {
            html! { <span id="data-status" data-state="failed">{"Data problem (see below)"}</span> }
        }
    };
    html! {
        <p class="status">
            { data }
            { format!(" · {} evaluator worker{} + 1 trainer worker", s.evaluators, if s.evaluators == 1 { "" } else { "s" }) }
            if let Some(n) = &s.notice {
                <span class="notice" role="status">{ format!(" · {n}") }
                    <button class="link" onclick={ctx.cb(|_| Action::Notice(None))} aria-label="dismiss">{"×"}</button></span>
            }
        </p>
    }
}

/// The missing-data and damaged-data screens, with a way out.
pub fn data_problem(ctx: &Ctx, e: &DataError) -> Html {
    let (kind, title, url, detail) = match e {
        DataError::Missing { url, detail } => ("missing", "The MNIST data is not here yet", url, detail),
        DataError::Invalid { url, detail } => {
            ("invalid", "A data file is damaged or not the official dataset", url, detail)
        }
    };
    html! {
        <section id="data-error" data-kind={kind} class="problem">
            <h2>{ title }</h2>
            <p class="detail"><strong>{ url.clone() }</strong>{": "}{ detail.clone() }</p>
            <p>{"The app reads the four MNIST files from a "}<code>{"data/mnist/"}</code>{" folder served beside it and checks each against its pinned SHA-256. To get them:"}</p>
            <ol>
                <li>{"Run "}<code>{"scripts/serve.sh"}</code>{" from the repository: it fetches and verifies the data, then builds and serves the app."}</li>
                <li>{"Or fetch them yourself: "}<code>{"cargo run --release -p mpg -- data fetch --dir data"}</code>{" (add "}<code>{"--from DIR"}</code>{" to copy from a folder you already have), then reload."}</li>
                <li>{"Or drop your own four IDX files (gzip or raw) here."}</li>
            </ol>
            { drop_zone(ctx) }
        </section>
    }
}

fn drop_zone(ctx: &Ctx) -> Html {
    let use_files = {
        let services = ctx.services.clone();
        let dispatch = ctx.state.dispatcher();
        move |list: Option<web_sys::FileList>| {
            let Some(list) = list else { return };
            let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
            match files_to_source(&files, DatasetKind::Mnist) {
                Ok(source) => load_data(&services, &dispatch, source),
                Err(e) => dispatch.dispatch(Action::DataFailed(e)),
            }
        }
    };
    let on_drop = {
        let use_files = use_files.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            use_files(e.data_transfer().and_then(|d| d.files()));
        })
    };
    let on_pick = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        use_files(input.files());
    });
    let retry = {
        let services = ctx.services.clone();
        let dispatch = ctx.state.dispatcher();
        Callback::from(move |_| load_data(&services, &dispatch, served_source(DatasetKind::Mnist, true)))
    };
    html! {
        <div class="dropzone" ondrop={on_drop} ondragover={Callback::from(|e: DragEvent| e.prevent_default())}>
            <p>{"Drop train-images, train-labels, t10k-images and t10k-labels here, or "}
                <label class="button">{"choose files"}<input type="file" multiple=true onchange={on_pick} class="visually-hidden" /></label>
                {" "}<button onclick={retry}>{"Try the served data again"}</button></p>
        </div>
    }
}

fn labelled(label: &str, explain: &str, control: Html) -> Html {
    html! {
        <div class="control">
            <label>{ label }{ control }</label>
            <p class="explain">{ explain }</p>
        </div>
    }
}

pub fn train_panel(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let f = &s.form;
    let kind = match s.data {
        DataStatus::Ready { kind, .. } => kind,
        _ => DatasetKind::Mnist,
    };
    let configs = f.configs(kind);
    let training = s.training();
    let can_train = s.trainer_ready && !training && configs.is_ok();
    let start = {
        let state = ctx.state.clone();
        let services = ctx.services.clone();
        let configs = configs.clone();
        Callback::from(move |_| {
            let Ok((model, train)) = configs.clone() else { return };
            let teacher = match train.method {
                Method::Distillation { .. } => {
                    state.form.teacher.and_then(|id| state.model(id)).map(|m| m.bytes.as_ref().clone())
                }
                _ => None,
            };
            let data = if model.dataset == DatasetKind::FashionMnist { "Fashion-MNIST · " } else { "" };
            let biases = if train.biases == engine::train::Biases::Zero { " · biases 0" } else { "" };
            let name = format!(
                "{data}{} · {}{biases} · batch {} · {} epochs · seed {}",
                model.arch.label(),
                train.method.label(),
                train.batch_size,
                train.epochs,
                train.seed
            );
            super::start_training(&services, &state.dispatcher(), name, model, train, teacher);
        })
    };
    let cancel = {
        let state = ctx.state.clone();
        let services = ctx.services.clone();
        Callback::from(move |_| {
            // A worker busy training cannot read messages: stop it and start a fresh one. The
            // model as it was after the last finished epoch is kept under a new id.
            let dispatch = state.dispatcher();
            let kept = state.run.as_ref().and_then(|r| r.snapshot.as_ref()).map(|p| {
                let id = super::new_model_id();
                if let Some(s) = services.borrow_mut().as_mut() {
                    s.pool.add_model(id, p.bytes.clone());
                }
                id
            });
            let source = services.borrow().as_ref().map(|s| s.source.clone());
            if let Some(s) = services.borrow_mut().as_mut() {
                s.trainer = None;
            }
            let trainer = super::spawn_trainer(dispatch.clone(), services.clone());
            if let (Some(t), Some(src)) = (&trainer, source) {
                t.send(&ToWorker::LoadData(crate::protocol::DataSource { need_train: true, ..src }));
            }
            if let Some(s) = services.borrow_mut().as_mut() {
                s.trainer = trainer;
            }
            dispatch.dispatch(Action::TrainCancelled { kept });
        })
    };
    let arch_select = html! {
        <select id="arch" onchange={ctx.form(|f, e: Event| f.arch = match input_value(&e).as_str() {
            "lenet" => ArchChoice::LeNet, "example" => ArchChoice::ExampleCnn, _ => ArchChoice::Mlp })}>
            <option value="mlp" selected={f.arch == ArchChoice::Mlp}>{"MLP (fully connected)"}</option>
            <option value="lenet" selected={f.arch == ArchChoice::LeNet}>{"LeNet CNN"}</option>
            <option value="example" selected={f.arch == ArchChoice::ExampleCnn}>{"Example CNN (PyTorch MNIST example)"}</option>
        </select>
    };
    let method_select = html! {
        <select id="method" onchange={ctx.form(|f, e: Event| {
            f.method = match input_value(&e).as_str() {
                "noise" => MethodChoice::NoiseInjection, "distill" => MethodChoice::Distillation,
                "fault" => MethodChoice::FaultAware, _ => MethodChoice::Standard };
            // Fault-aware models are meant for crossbars, where trained biases break MemTorch's
            // input scaling: picking a method sets the box to bias-free for fault-aware and to
            // trained biases otherwise; it stays free to change afterwards.
            f.zero_biases = f.method == MethodChoice::FaultAware;
        })}>
            <option value="standard" selected={f.method == MethodChoice::Standard}>{"standard"}</option>
            <option value="noise" selected={f.method == MethodChoice::NoiseInjection}>{"noise injection"}</option>
            <option value="distill" selected={f.method == MethodChoice::Distillation}>{"teacher-student"}</option>
            <option value="fault" selected={f.method == MethodChoice::FaultAware}>{"fault-aware"}</option>
        </select>
    };
    let number = |id: &'static str,
                  value: String,
                  step: &'static str,
                  min: &'static str,
                  max: &'static str,
                  set: fn(&mut TrainForm, &str)| {
        html! { <input id={id} type="number" value={value} step={step} min={min} max={max}
        onchange={ctx.form(move |f, e: Event| set(f, &input_value(&e)))} /> }
    };
    let method_extra = match f.method {
        MethodChoice::Standard => html! {},
        MethodChoice::NoiseInjection | MethodChoice::Distillation => html! {
            <>
            { labelled("training noise std", "Each training step draws fresh log-normal noise w·exp(ε), ε ~ N(0, std²), on every weight; gradients update the clean weights.",
                number("train-std", format!("{}", f.train_std), "0.1", "0", "5", |f, v| f.train_std = v.parse().unwrap_or(f.train_std))) }
            { labelled("gradient", "perturb-restore: the noisy weights' gradient is applied to the clean ones (the report's way); reparameterised: gradients flow through w·exp(ε).",
                html! { <select id="gradient" onchange={ctx.form(|f, e: Event| f.gradient = if input_value(&e) == "reparam" { GradientVariant::Reparameterised } else { GradientVariant::PerturbRestore })}>
                    <option value="pr" selected={f.gradient == GradientVariant::PerturbRestore}>{"perturb-restore"}</option>
                    <option value="reparam" selected={f.gradient == GradientVariant::Reparameterised}>{"reparameterised"}</option></select> }) }
            if f.method == MethodChoice::Distillation {
                { labelled("distillation loss", "The student, trained under noise, matches the clean teacher's output probabilities.",
                    html! { <select id="distill-loss" onchange={ctx.form(|f, e: Event| f.distill_loss = if input_value(&e) == "kl" { DistillLoss::Kl } else { DistillLoss::Mse })}>
                        <option value="mse" selected={f.distill_loss == DistillLoss::Mse}>{"MSE"}</option>
                        <option value="kl" selected={f.distill_loss == DistillLoss::Kl}>{"KL divergence"}</option></select> }) }
                { labelled("teacher", "A clean model trained earlier.", html! {
                    <select id="teacher" onchange={ctx.form(|f, e: Event| f.teacher = input_value(&e).parse().ok())}>
                        <option value="" selected={f.teacher.is_none()}>{"(pick a saved model)"}</option>
                        { for s.models.iter().map(|m| html! { <option value={m.meta.id.to_string()} selected={f.teacher == Some(m.meta.id)}>{ m.meta.name.clone() }</option> }) }
                    </select> }) }
            }
            </>
        },
        MethodChoice::FaultAware => html! {
            <>
            { labelled("stuck-at-LRS rate", "Share of devices on each crossbar stuck at their lowest resistance, drawn afresh every step: a stuck positive device pulls its weight to +w_max, a stuck negative one to -w_max.",
                number("train-fault-lrs", format!("{}", f.fault_lrs), "0.01", "0", "0.5", |f, v| f.fault_lrs = v.parse().unwrap_or(f.fault_lrs))) }
            { labelled("stuck-at-HRS rate", "Share of devices on each crossbar stuck at their highest resistance, drawn afresh every step: that side of the weight contributes nothing.",
                number("train-fault-hrs", format!("{}", f.fault_hrs), "0.01", "0", "0.5", |f, v| f.fault_hrs = v.parse().unwrap_or(f.fault_hrs))) }
            </>
        },
    };
    html! {
        <section id="train-panel" class="panel">
            <div class="columns">
            <div class="form">
                <h2>{"Train a model"}</h2>
                { labelled("dataset", "Handwritten digits (MNIST) or clothing (Fashion-MNIST), from the data/ folder beside the app; changing it reloads the data in every worker.", {
                    let services = ctx.services.clone();
                    let dispatch = ctx.state.dispatcher();
                    html! {
                        <select id="dataset" disabled={training} onchange={Callback::from(move |e: Event| {
                            let kind = if input_value(&e) == "fashion-mnist" { DatasetKind::FashionMnist } else { DatasetKind::Mnist };
                            load_data(&services, &dispatch, served_source(kind, true));
                        })}>
                            <option value="mnist" selected={kind == DatasetKind::Mnist}>{"MNIST digits"}</option>
                            <option value="fashion-mnist" selected={kind == DatasetKind::FashionMnist}>{"Fashion-MNIST"}</option>
                        </select>
                    }
                }) }
                { labelled("model", "The report's MLP is 784-256-128-10; the CNNs see the image as a picture.", arch_select) }
                if f.arch == ArchChoice::Mlp {
                    { labelled("hidden sizes", "Units per hidden layer, comma separated.", html! {
                        <input id="hidden" type="text" value={f.hidden.clone()} onchange={ctx.form(|f, e: Event| f.hidden = input_value(&e))} /> }) }
                    { labelled("dropout p", "Zero each hidden activation with probability p while training (0 = none); a known remedy against weight noise.",
                        number("dropout", format!("{}", f.dropout), "0.1", "0", "0.9", |f, v| f.dropout = v.parse().unwrap_or(f.dropout))) }
                }
                { labelled("normalise inputs", "Subtract the dataset's mean pixel and divide by its spread (as torchvision's examples do).",
                    html! { <input id="normalized" type="checkbox" checked={f.normalized} onchange={ctx.form(|f, _e: Event| f.normalized = !f.normalized)} /> }) }
                { labelled("batch size", "Images per optimisation step. The report found larger batches less robust to noise.",
                    number("batch", f.batch.to_string(), "1", "1", "60000", |f, v| f.batch = v.parse().unwrap_or(f.batch))) }
                { labelled("epochs", "Passes over the 60,000 training images.", number("epochs", f.epochs.to_string(), "1", "1", "100", |f, v| f.epochs = v.parse().unwrap_or(f.epochs))) }
                { labelled("learning rate", "Adam's step size (PyTorch's default is 0.001).", number("lr", format!("{}", f.lr), "0.0001", "0.00001", "1", |f, v| f.lr = v.parse().unwrap_or(f.lr))) }
                { labelled("seed", "Same seed, same model, bit for bit.", number("seed", f.seed.to_string(), "1", "0", "4294967295", |f, v| f.seed = v.parse().unwrap_or(f.seed))) }
                { labelled("biases held at 0", "Train without biases (they stay 0). Crossbars in memtorch input scaling divide each layer's product by the batch's largest input but add the bias unscaled; a bias-free network is immune to that, at any evaluation batch.",
                    html! { <input id="zero-biases" type="checkbox" checked={f.zero_biases} onchange={ctx.form(|f, _e: Event| f.zero_biases = !f.zero_biases)} /> }) }
                { labelled("method", "How training prepares the network for imperfect hardware.", method_select) }
                { method_extra }
                if let Err(e) = &configs { <p class="error" role="alert">{ e.clone() }</p> }
                <p>
                    <button id="train-button" class="primary" disabled={!can_train} onclick={start}>
                        { if s.trainer_ready { "Train" } else { "Train (loading data…)" } }</button>
                    {" "}
                    <button id="cancel-button" disabled={!training} onclick={cancel}>{"Cancel"}</button>
                </p>
            </div>
            <div class="live">{ run_view(s) }</div>
            </div>
            { models_list(ctx) }
        </section>
    }
}

fn run_view(s: &State) -> Html {
    let Some(run) = &s.run else {
        return html! { <p class="hint">{"Press Train: the network trains in a background worker, so the page stays responsive. The report's MLP reaches about 98% in 5 epochs."}</p> };
    };
    let (fraction, eta, speed, label) = match &run.progress {
        Some(p) => {
            let elapsed = (now_ms() - run.started_ms) / 1000.0;
            let frac = p.fraction();
            let eta = if frac > 0.0 { elapsed * (1.0 - frac) / frac } else { 0.0 };
            (
                frac,
                eta,
                p.throughput.unwrap_or(0.0),
                format!("epoch {}/{}, step {}/{}", p.epoch, p.epochs, p.step, p.steps_per_epoch),
            )
        }
        None => (0.0, 0.0, 0.0, "starting…".into()),
    };
    let loss_chart = html! { <Chart spec={LineChart {
        caption: "training loss".into(),
        x_label: "epoch".into(),
        y_label: "cross-entropy".into(),
        x: (0.0, run.train.epochs as f64),
        y: (0.0, run.loss.iter().map(|p| p.1).fold(0.5, f64::max) * 1.05),
        series: vec![Series { name: String::new(), color: 0, points: run.loss.iter().map(|&(x, y)| (x, y, 0.0)).collect(), dashed: false }],
        marker: None,
        size: (560, 300),
        legend: Legend::LowerRight,
        log_x: false,
    }} /> };
    let lo = run.epochs.iter().map(|e| e.1.min(e.2)).fold(90.0, f64::min).floor();
    let acc_chart = html! { <Chart spec={LineChart {
        caption: "accuracy after each epoch".into(),
        x_label: "epoch".into(),
        y_label: "accuracy (%)".into(),
        x: (0.0, run.train.epochs as f64),
        y: (lo, 100.0),
        series: vec![
            Series { name: "train (running)".into(), color: 1, points: run.epochs.iter().map(|e| (e.0 as f64, e.1, 0.0)).collect(), dashed: true },
            Series { name: "test".into(), color: 0, points: run.epochs.iter().map(|e| (e.0 as f64, e.2, 0.0)).collect(), dashed: false },
        ],
        marker: None,
        size: (560, 300),
        legend: Legend::LowerRight,
        log_x: false,
    }} /> };
    let last_test = run.epochs.last().map(|e| e.2);
    html! {
        <div id="run" data-state={ if run.error.is_some() { "failed" } else { "running" } }>
            <h3>{ run.name.clone() }</h3>
            if let Some(e) = &run.error { <p class="error" role="alert">{ format!("Training failed: {e}") }</p> }
            <progress id="train-progress" max="1" value={fraction.to_string()} aria-label="training progress"></progress>
            <p class="big" aria-live="polite">{ format!("{:.0}% · {label} · {:.0} images/s · about {:.0} s left", fraction * 100.0, speed, eta) }
                if let Some(t) = last_test { <span id="run-test-accuracy">{ format!(" · test accuracy {t:.2}%") }</span> }</p>
            <div class="charts">
                <div class="chart" id="loss-chart">{ loss_chart }</div>
                <div class="chart" id="acc-chart">{ acc_chart }</div>
            </div>
        </div>
    }
}

fn download(bytes: &[u8], name: &str, mime: &str) {
    let arr = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&arr, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) =
        doc.and_then(|d| d.create_element("a").ok()).and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

fn models_list(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    if s.models.is_empty() {
        return html! { <section id="models">{ upload(ctx) }</section> };
    }
    let rows = s.models.iter().map(|m| {
        let id = m.meta.id;
        let bytes = m.bytes.clone();
        let file = format!("model-{id}.safetensors");
        let services = ctx.services.clone();
        let dispatch = ctx.state.dispatcher();
        let delete = Callback::from(move |_| {
            if let Some(s) = services.borrow_mut().as_mut() {
                s.pool.remove_model(id);
            }
            wasm_bindgen_futures::spawn_local(async move {
                let _ = super::storage::delete_model(id).await;
            });
            dispatch.dispatch(Action::DeleteModel(id));
        });
        let explore = {
            let d = ctx.state.dispatcher();
            Callback::from(move |_| {
                d.dispatch(Action::SelectModel(Some(id)));
                d.dispatch(Action::SetTab(Tab::Explore));
            })
        };
        html! {
            <tr>
                <td>{ m.meta.name.clone() }</td>
                <td class="num">{ format!("{:.2}%", m.meta.test_accuracy) }</td>
                <td class="num">{ format!("{:.1} s", m.meta.train_seconds) }</td>
                <td>
                    <button onclick={explore}>{"Explore"}</button>{" "}
                    <button onclick={Callback::from(move |_| download(&bytes, &file, "application/octet-stream"))}>{"Download .safetensors"}</button>{" "}
                    <button onclick={delete} aria-label="delete model">{"Delete"}</button>
                </td>
            </tr>
        }
    });
    html! {
        <section id="models">
            <h2>{"Trained models (kept in this browser)"}</h2>
            { upload(ctx) }
            <table>
                <thead><tr><th>{"model"}</th><th>{"test accuracy"}</th><th>{"training time"}</th><th></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}

/// Upload a model file: one of ours, or a PyTorch MLP state dict saved as safetensors. The
/// bytes are read here and checked (and evaluated) by an evaluator worker.
fn upload(ctx: &Ctx) -> Html {
    let services = ctx.services.clone();
    let dispatch = ctx.state.dispatcher();
    let on_pick = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        let Some(files) = input.files() else { return };
        for i in 0..files.length() {
            let Some(file) = files.get(i) else { continue };
            let services = services.clone();
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                    Ok(buf) => {
                        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
                        let sent = services.borrow_mut().as_mut().map(|s| {
                            s.next_job += 1;
                            s.pool.send_to_one(&ToWorker::Import { job: s.next_job, name: name.clone(), bytes })
                        });
                        if sent != Some(true) {
                            dispatch.dispatch(Action::Notice(Some("no evaluator is running to read the model".into())));
                        }
                    }
                    Err(e) => dispatch.dispatch(Action::Notice(Some(format!("could not read {name}: {e:?}")))),
                }
            });
        }
        input.set_value("");
    });
    html! {
        <p>
            <label class="button">{"Upload a model (.safetensors: ours or a PyTorch MLP state dict)"}
                <input id="upload-model" type="file" accept=".safetensors" multiple=true onchange={on_pick} class="visually-hidden" /></label>
        </p>
    }
}

/// Mean and sd of the finished points of a model's curve (points with all draws only).
fn curve_points(e: &Explore, model: u64) -> Vec<(f64, f64, f64)> {
    let stds = curve_stds();
    let Some(c) = e.curves.get(&model) else { return vec![] };
    c.iter()
        .filter_map(|(&i, draws)| {
            let n = if stds[i] == 0.0 { 1 } else { e.draws };
            first_draws(draws, n).map(|sp| (stds[i] as f64, sp.mean, sp.sd))
        })
        .collect()
}

pub fn explore_panel(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let e = &s.explore;
    if s.models.is_empty() {
        return html! { <section id="explore-panel" class="panel"><p class="hint">{"Train a model first (Train panel); then come back and drag the noise slider."}</p></section> };
    }
    let on_std = ctx.cb(|ev: InputEvent| {
        let input: HtmlInputElement = ev.target_unchecked_into();
        Action::SetStd { std: input.value().parse().unwrap_or(0.0), now_ms: now_ms() }
    });
    let readout = {
        let exact = e.exact();
        match (&exact, &e.readout.estimate) {
            (Some(sp), _) => html! {
                <p id="accuracy-readout" class="readout" data-state="exact" data-value={format!("{:.2}", sp.mean)} aria-live="polite">
                    <span class="value">{ format!("{:.2}% ± {:.2}", sp.mean, sp.sd) }</span>
                    <span class="how">{ format!(" exact: all 10,000 test images, mean ± sd of {} noise draw{}", sp.draws.len(), if sp.draws.len() == 1 { "" } else { "s" }) }</span>
                </p>
            },
            (None, Some((acc, n))) => html! {
                <p id="accuracy-readout" class="readout" data-state="estimate" data-value={format!("{acc:.2}")} aria-live="polite">
                    <span class="value">{ format!("≈ {acc:.1}%") }</span>
                    <span class="how">{ format!(" fast estimate on {} images; exact figure coming ({}/{} draws)", fmt_int(*n), e.readout.draws.len(), e.slider_draws()) }</span>
                </p>
            },
            (None, None) => {
                html! { <p id="accuracy-readout" class="readout" data-state="pending"><span class="value">{"…"}</span><span class="how">{" computing"}</span></p> }
            }
        }
    };
    let timing = match (e.readout.first_ms, e.readout.exact_ms) {
        (Some(f), x) if e.readout.moved_ms > 0.0 => html! {
            <p class="timing" id="slider-timing" data-first={format!("{:.0}", f - e.readout.moved_ms)}
                data-exact={x.map(|x| format!("{:.0}", x - e.readout.moved_ms)).unwrap_or_default()}>
                { format!("first figure after {:.0} ms", f - e.readout.moved_ms) }
                { x.map(|x| format!(", exact after {:.0} ms", x - e.readout.moved_ms)).unwrap_or_default() }
            </p>
        },
        _ => html! {},
    };
    let series: Vec<Series> = e
        .compare
        .iter()
        .filter_map(|&id| s.model(id).map(|m| (id, m)))
        .enumerate()
        // the legend is the coloured list of models beside the chart (long names crowd the plot)
        .map(|(i, (id, _))| Series { name: String::new(), color: i, points: curve_points(e, id), dashed: false })
        .collect();
    let pending: usize = e
        .compare
        .iter()
        .map(|&id| {
            let have: usize = e
                .curves
                .get(&id)
                .map(|c| c.iter().map(|(&i, d)| draws_in(d, if i == 0 { 1 } else { e.draws })).sum())
                .unwrap_or(0);
            (1 + (CURVE_POINTS - 1) * e.draws).saturating_sub(have)
        })
        .sum();
    let chart = html! { <Chart spec={LineChart {
        caption: "test accuracy vs noise std (mean ± sd over draws)".into(),
        x_label: "noise std σ  (w' = w·exp(ε), ε ~ N(0, σ²))".into(),
        y_label: "accuracy (%)".into(),
        x: (0.0, CURVE_MAX_STD as f64),
        y: (0.0, 100.0),
        series,
        marker: Some(e.std as f64),
        size: (760, 420),
        legend: Legend::UpperRight,
        log_x: false,
    }} /> };
    let model_select = html! {
        <select id="explore-model" onchange={ctx.cb(|ev: Event| Action::SelectModel(input_value(&ev).parse().ok()))}>
            { for s.models.iter().map(|m| html! { <option value={m.meta.id.to_string()} selected={e.model == Some(m.meta.id)}>{ format!("{} ({:.2}%)", m.meta.name, m.meta.test_accuracy) }</option> }) }
        </select>
    };
    let compared: Vec<u64> = e.compare.iter().copied().filter(|&id| s.model(id).is_some()).collect();
    let compare = s.models.iter().map(|m| {
        let id = m.meta.id;
        let swatch = compared.iter().position(|&c| c == id).map(|i| html! {
            <span class="swatch" style={format!("background: {}", super::plots::css(i))}></span> });
        html! { <label class="check"><input type="checkbox" checked={e.compare.contains(&id)} onchange={ctx.cb(move |_e: Event| Action::ToggleCompare(id))} />
            { swatch }{ m.meta.name.clone() }</label> }
    });
    html! {
        <section id="explore-panel" class="panel">
            <div class="columns">
            <div class="form">
                <h2>{"Explore: put the weights on imperfect devices"}</h2>
                { labelled("model", "Which trained network to perturb.", model_select) }
                <div class="control slider">
                    <label for="noise-std">{"conductance noise std σ: "}<output id="noise-std-value">{ format!("{:.2}", e.std) }</output>{" (log-normal, relative)"}</label>
                    <input id="noise-std" type="range" min="0" max="2" step="0.05" value={format!("{}", e.std)}
                        aria-valuetext={format!("noise standard deviation {:.2}", e.std)} oninput={on_std} />
                    <p class="explain">{"Every weight and bias is multiplied by its own exp(ε), ε ~ N(0, σ²): memristor conductances vary from device to device. σ = 1 means a typical weight is off by a factor of e."}</p>
                </div>
                { labelled("noise draws", "Independent noise draws averaged for the exact figure (the report used 5).",
                    html! { <input id="draws" type="number" min="1" max="50" value={e.draws.to_string()}
                        onchange={ctx.cb(|ev: Event| Action::SetDraws(input_value(&ev).parse().unwrap_or(5)))} /> }) }
                { readout }
                { timing }
                { crossbar_controls(ctx) }
            </div>
            <div class="live">
                <div class="chart" id="noise-curve" data-pending={pending.to_string()}>{ chart }</div>
                <p class="explain">{ if pending > 0 { format!("{pending} curve evaluations still running in the background; points appear when all their draws are done.") } else { "Curves complete.".into() } }</p>
                <div class="compare"><p>{"Overlay on the curves:"}</p>{ for compare }</div>
                if e.crossbar.enabled { { fault_curve(s) } }
            </div>
            </div>
        </section>
    }
}

/// Accuracy on crossbars against the stuck-at rate, for every compared model.
fn fault_curve(s: &State) -> Html {
    let e = &s.explore;
    let rates = fault_rates();
    let n_for = |p: f64| {
        let mut c = e.crossbar.config.clone();
        c.faults = engine::crossbar::FaultConfig { lrs: p, hrs: p };
        if c.is_stochastic() {
            e.draws
        } else {
            1
        }
    };
    let compared: Vec<u64> = e.compare.iter().copied().filter(|&id| s.model(id).is_some()).collect();
    let mut pending = 0;
    let series = compared
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let curve = e.xbar_curve(*id);
            let points = rates
                .iter()
                .enumerate()
                .filter_map(|(k, &p)| {
                    let draws = curve.and_then(|c| c.get(&k));
                    let have = draws.map_or(0, |d| draws_in(d, n_for(p)));
                    pending += n_for(p).saturating_sub(have);
                    draws.and_then(|d| first_draws(d, n_for(p))).map(|sp| (p, sp.mean, sp.sd))
                })
                .collect();
            Series { name: String::new(), color: i, points, dashed: false }
        })
        .collect();
    let c = &e.crossbar.config;
    let marker = (c.faults.lrs == c.faults.hrs).then_some(c.faults.lrs);
    html! {
        <>
            <div class="chart" id="fault-curve" data-pending={pending.to_string()}>
                <Chart spec={LineChart {
                    caption: "accuracy on crossbars vs stuck-at rate (mean ± sd over draws)".into(),
                    x_label: "stuck-at rate p (p stuck at LRS and p at HRS)".into(),
                    y_label: "accuracy (%)".into(),
                    x: (0.0, 0.25),
                    y: (0.0, 100.0),
                    series,
                    marker,
                    size: (760, 420),
                    legend: Legend::UpperRight,
        log_x: false,
                }} />
            </div>
            <p class="explain">{ if pending > 0 { format!("{pending} crossbar evaluations still running for this curve.") } else { "Fault curve complete.".into() } }</p>
        </>
    }
}

fn crossbar_controls(ctx: &Ctx) -> Html {
    let e = &ctx.state.explore;
    let ui = e.crossbar.clone();
    let c = &ui.config;
    let edit = |f: fn(&mut CrossbarUi, String)| {
        let state = ctx.state.clone();
        move |ev: Event| {
            let mut ui = state.explore.crossbar.clone();
            f(&mut ui, input_value(&ev));
            state.dispatch(Action::Crossbar { ui, now_ms: now_ms() });
        }
    };
    let slide = |f: fn(&mut CrossbarUi, f64)| {
        let state = ctx.state.clone();
        Callback::from(move |ev: InputEvent| {
            let input: HtmlInputElement = ev.target_unchecked_into();
            let mut ui = state.explore.crossbar.clone();
            f(&mut ui, input.value().parse().unwrap_or(0.0));
            state.dispatch(Action::Crossbar { ui, now_ms: now_ms() });
        })
    };
    let readout = if !ui.enabled {
        html! { <p id="xbar-readout" class="readout" data-state="off"><span class="how">{"Turn the simulation on to see the accuracy on crossbars."}</span></p> }
    } else {
        match (e.xbar_exact(), &e.xbar.estimate) {
            (Some(sp), _) => html! {
                <p id="xbar-readout" class="readout" data-state="exact" data-value={format!("{:.2}", sp.mean)} aria-live="polite">
                    <span class="value">{ format!("{:.2}% ± {:.2}", sp.mean, sp.sd) }</span>
                    <span class="how">{ format!(" on crossbars: 10,000 test images, {} draw{} of faults", sp.draws.len(), if sp.draws.len() == 1 { "" } else { "s" }) }</span>
                </p>
            },
            (None, Some((acc, n))) => html! {
                <p id="xbar-readout" class="readout" data-state="estimate" data-value={format!("{acc:.2}")} aria-live="polite">
                    <span class="value">{ format!("≈ {acc:.1}%") }</span>
                    <span class="how">{ format!(" on crossbars, estimate on {} images; exact coming ({}/{})", fmt_int(*n), e.xbar.draws.len(), e.xbar_draws()) }</span>
                </p>
            },
            (None, None) => {
                html! { <p id="xbar-readout" class="readout" data-state="pending"><span class="value">{"…"}</span><span class="how">{" mapping the weights onto crossbars and tuning them"}</span></p> }
            }
        }
    };
    let adc = c.adc_bits.map(|b| b.to_string()).unwrap_or_else(|| "ideal".into());
    html! {
        <fieldset class="faults">
            <legend>{"Crossbar simulation (MemTorch-style)"}</legend>
            <label class="check"><input id="xbar-enabled" type="checkbox" checked={ui.enabled}
                onchange={Callback::from(edit(|u, _| u.enabled = !u.enabled))} />{" simulate the network on memristor crossbars"}</label>
            <p class="explain">{"Each layer's weights become conductances of R_on/R_off devices on tiles (two devices per weight), inputs become voltages, outputs are read by an ADC; then the network is tuned. Stuck devices ignore programming."}</p>
            <div class="control slider">
                <label for="fault-lrs">{"stuck-at-LRS rate: "}<output>{ format!("{:.2}", c.faults.lrs) }</output>{" (fraction of devices)"}</label>
                <input id="fault-lrs" type="range" min="0" max="0.5" step="0.01" value={c.faults.lrs.to_string()} disabled={!ui.enabled}
                    aria-valuetext={format!("{:.0} percent of devices stuck at low resistance", c.faults.lrs * 100.0)}
                    oninput={slide(|u, v| u.config.faults.lrs = v)} />
                <p class="explain">{"Devices stuck at their lowest resistance: they conduct maximally whatever was programmed."}</p>
            </div>
            <div class="control slider">
                <label for="fault-hrs">{"stuck-at-HRS rate: "}<output>{ format!("{:.2}", c.faults.hrs) }</output>{" (fraction of devices)"}</label>
                <input id="fault-hrs" type="range" min="0" max="0.5" step="0.01" value={c.faults.hrs.to_string()} disabled={!ui.enabled}
                    aria-valuetext={format!("{:.0} percent of devices stuck at high resistance", c.faults.hrs * 100.0)}
                    oninput={slide(|u, v| u.config.faults.hrs = v)} />
                <p class="explain">{"Devices stuck at their highest resistance: they barely conduct."}</p>
            </div>
            { labelled("ADC resolution", "Bits of the converter that reads each tile's column currents.", html! {
                <select id="xbar-adc" disabled={!ui.enabled} onchange={edit(|u, v| u.config.adc_bits = v.parse().ok())}>
                    { for ["ideal", "4", "6", "8", "10"].iter().map(|o| html! { <option value={*o} selected={adc == *o}>{ if *o == "ideal" { "ideal (no ADC)".to_string() } else { format!("{o} bits") } }</option> }) }
                </select> }) }
            { labelled("tile size", "Rows and columns per crossbar tile.", html! {
                <select id="xbar-tile" disabled={!ui.enabled} onchange={edit(|u, v| u.config.tile = v.parse().unwrap_or(128))}>
                    { for [32usize, 64, 128, 256].iter().map(|t| html! { <option value={t.to_string()} selected={c.tile == *t}>{ format!("{t} × {t}") }</option> }) }
                </select> }) }
            { labelled("R_on / R_off (Ω)", "The devices' low and high resistance (VTEAM: 50 / 1000 Ω).", html! {
                <span>
                    <input id="xbar-ron" type="number" min="1" step="10" value={c.r_on.to_string()} disabled={!ui.enabled} style="width: 5.5rem"
                        onchange={edit(|u, v| u.config.r_on = v.parse().unwrap_or(u.config.r_on))} />{" / "}
                    <input id="xbar-roff" type="number" min="2" step="100" value={c.r_off.to_string()} disabled={!ui.enabled} style="width: 5.5rem"
                        onchange={edit(|u, v| u.config.r_off = v.parse().unwrap_or(u.config.r_off))} />
                </span> }) }
            { labelled("input scaling", "memtorch: inputs scaled per batch as MemTorch does (the report's setting); it shrinks each layer's product but not its digital bias, so models with trained biases lose accuracy and bias-free ones do not. calibrated: a fixed range per layer, measured on 10,000 training images (each evaluator fetches them the first time).", html! {
                <select id="xbar-scaling" disabled={!ui.enabled} onchange={edit(|u, v| u.config.input_scaling = if v == "calibrated" { engine::crossbar::InputScaling::Calibrated } else { engine::crossbar::InputScaling::Memtorch })}>
                    <option value="memtorch" selected={c.input_scaling == engine::crossbar::InputScaling::Memtorch}>{"memtorch"}</option>
                    <option value="calibrated" selected={c.input_scaling == engine::crossbar::InputScaling::Calibrated}>{"calibrated"}</option>
                </select> }) }
            if let Err(err) = c.validate() { <p class="error" role="alert">{ err.to_string() }</p> }
            { readout }
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
struct TileProps {
    tile: Rc<EvalOutput>,
}

/// A crossbar tile as a heat map: conductance from dark (G_off) to light blue (G_on); devices
/// stuck at LRS in red, at HRS in yellow.
#[function_component]
fn TileMap(p: &TileProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let tile = p.tile.clone();
        use_effect_with(tile, move |tile| {
            if let (Some(c), EvalOutput::Tile { side, level, stuck, .. }) =
                (canvas.cast::<web_sys::HtmlCanvasElement>(), tile.as_ref())
            {
                if let Ok(Some(ctx)) = c.get_context("2d") {
                    let ctx: web_sys::CanvasRenderingContext2d = ctx.unchecked_into();
                    let rgba: Vec<u8> = level
                        .iter()
                        .zip(stuck)
                        .flat_map(|(&g, &s)| match s {
                            2 => [213, 0, 0, 255],
                            1 => [255, 200, 0, 255],
                            _ => [(20.0 + 60.0 * g) as u8, (30.0 + 170.0 * g) as u8, (60.0 + 195.0 * g) as u8, 255],
                        })
                        .collect();
                    let side = *side as u32;
                    if let Ok(img) =
                        web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), side, side)
                    {
                        let _ = ctx.put_image_data(&img, 0.0, 0.0);
                    }
                }
            }
            || ()
        });
    }
    let (side, caption) = match p.tile.as_ref() {
        EvalOutput::Tile { layer, side, rows, cols, tiles, stuck, .. } => {
            let lrs = stuck.iter().filter(|&&s| s == 2).count();
            let hrs = stuck.iter().filter(|&&s| s == 1).count();
            (*side, format!("{layer}, tile 1 of {tiles} (positive crossbar; {rows} inputs × {cols} outputs used of {side} × {side}): {lrs} devices stuck at LRS (red), {hrs} at HRS (yellow)"))
        }
        _ => (1, String::new()),
    };
    html! {
        <figure id="tile-map">
            <canvas ref={canvas} width={side.to_string()} height={side.to_string()} class="tile" />
            <figcaption>{ caption }</figcaption>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
struct DigitProps {
    samples: Rc<Samples>,
    index: usize,
}

#[function_component]
fn Digit(p: &DigitProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let samples = p.samples.clone();
        let index = p.index;
        use_effect_with(index, move |_| {
            if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                if let Ok(Some(ctx)) = c.get_context("2d") {
                    let ctx: web_sys::CanvasRenderingContext2d = ctx.unchecked_into();
                    let px = &samples.pixels[index * 784..(index + 1) * 784];
                    let rgba: Vec<u8> = px.iter().flat_map(|&v| [255 - v, 255 - v, 255 - v, 255]).collect();
                    if let Ok(img) =
                        web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), 28, 28)
                    {
                        let _ = ctx.put_image_data(&img, 0.0, 0.0);
                    }
                }
            }
            || ()
        });
    }
    html! { <canvas ref={canvas} width="28" height="28" class="digit" /> }
}

pub fn see_panel(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let e = &s.explore;
    let Some(samples) = s.samples.clone() else { return html! { <p class="hint">{"Waiting for the data…"}</p> } };
    let model = e.model;
    let clean = e.clean_predictions.as_ref().filter(|c| Some(c.0) == model).map(|c| &c.1);
    let noisy = e.noisy_predictions.as_ref().filter(|c| Some(c.0) == model && (c.1 - e.std).abs() < 1e-6).map(|c| &c.2);
    let flips = match (clean, noisy) {
        (Some(c), Some(n)) => c.iter().zip(n.iter()).filter(|(a, b)| a != b).count(),
        _ => 0,
    };
    let cells = (0..samples.labels.len()).map(|i| {
        let label = samples.labels[i];
        let c = clean.map(|p| p[i]);
        let n = noisy.map(|p| p[i]);
        let flipped = matches!((c, n), (Some(a), Some(b)) if a != b);
        let wrong = n.is_some_and(|b| b != label);
        html! {
            <figure class={classes!("cell", flipped.then_some("flipped"), wrong.then_some("wrong"))}>
                <Digit samples={samples.clone()} index={i} />
                <figcaption>{ format!("{} → {}", c.map(|v| v.to_string()).unwrap_or("·".into()), n.map(|v| v.to_string()).unwrap_or("·".into())) }</figcaption>
            </figure>
        }
    });
    let hist = match &e.histogram {
        Some((m, std, EvalOutput::Histogram { lo, hi, clean, noisy })) if Some(*m) == model => html! {
        <Histogram caption={format!("weights, clean vs one draw at σ = {std:.2}")} lo={*lo} hi={*hi} clean={clean.clone()} noisy={noisy.clone()} /> },
        _ => html! { <p class="hint">{"Move the noise slider above 0 (Explore) to see the weight histogram."}</p> },
    };
    let confusion = match (noisy, &s.test_labels) {
        (Some(pred), Some(labels)) => {
            let mut m = [[0usize; 10]; 10];
            for (&t, &p) in labels.iter().zip(pred.iter()) {
                m[t as usize][p as usize] += 1;
            }
            let max = m.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
            html! {
                <table id="confusion" class="confusion">
                    <caption>{ format!("confusion matrix at σ = {:.2} (rows: true digit, columns: predicted)", e.std) }</caption>
                    <tr><th></th>{ for (0..10).map(|j| html! { <th>{ j }</th> }) }</tr>
                    { for (0..10).map(|i| html! { <tr><th>{ i }</th>{ for (0..10).map(|j| {
                        let v = m[i][j];
                        let a = (v as f64 / max).sqrt();
                        let style = if i == j { format!("background: rgba(0,114,178,{a:.2})") } else { format!("background: rgba(213,94,0,{a:.2})") };
                        html! { <td style={style}>{ v }</td> } }) }</tr> }) }
                </table>
            }
        }
        _ => {
            html! { <p class="hint">{"The confusion matrix appears when the exact figure for the current σ is in."}</p> }
        }
    };
    html! {
        <section id="see-panel" class="panel">
            <h2>{ format!("See it: the first {} test digits at σ = {:.2}", samples.labels.len(), e.std) }</h2>
            <p class="explain">{"Each digit shows clean prediction → prediction under one noise draw (draw 0 of the Explore panel). Orange frames: the noise flipped the answer; red text: the perturbed answer is wrong."}
                { format!(" Flipped over the whole test set: {} of 10,000.", fmt_int(flips)) }</p>
            <div class="digits">{ for cells }</div>
            <div class="columns">
                <div class="chart" id="weight-histogram">{ hist }</div>
                <div>{ confusion }</div>
            </div>
            { match &e.xbar_tile {
                Some((m, config, tile)) if Some(*m) == model && e.crossbar.enabled && *config == e.crossbar.config => html! {
                    <section><h3>{"A crossbar tile"}</h3><TileMap tile={tile.clone()} /></section> },
                _ => html! { <p class="hint">{"Turn on the crossbar simulation (Explore) to see a tile of devices, stuck ones marked."}</p> },
            } }
        </section>
    }
}

/// A saved model matching a report row, if any: `arch`, standard training, 5 epochs, `batch`.
pub fn find_row_model(s: &State, arch: &Architecture, batch: usize, method: &Method) -> Option<(u64, f64)> {
    s.models
        .iter()
        .rev()
        .find(|m| {
            &m.meta.model.arch == arch
                && m.meta.train.batch_size == batch
                && &m.meta.train.method == method
                && m.meta.train.epochs == 5
        })
        .map(|m| (m.meta.id, m.meta.test_accuracy))
}

fn at_std(e: &Explore, model: u64, std: f32) -> Option<f64> {
    curve_points(e, model).iter().find(|p| (p.0 - std as f64).abs() < 1e-4).map(|p| p.1)
}

/// Ours at a point of the fault curve (0 = crossbar without faults, 2 = LRS 0.1 / HRS 0.1),
/// when the crossbar settings are the report's (MemTorch tutorial defaults).
fn xbar_at(e: &Explore, model: u64, point: usize) -> Option<f64> {
    if !e.crossbar.enabled || e.xbar_key() != Explore::default().xbar_key() {
        return None;
    }
    let draws = e.xbar_curve(model)?.get(&point)?;
    let mut c = e.crossbar.config.clone();
    let p = fault_rates()[point];
    c.faults = engine::crossbar::FaultConfig { lrs: p, hrs: p };
    let n = if c.is_stochastic() { e.draws } else { 1 };
    first_draws(draws, n).map(|sp| sp.mean)
}

fn cell(v: Option<f64>) -> Html {
    html! { <td class="num ours">{ v.map(|v| format!("{v:.2}")).unwrap_or("—".into()) }</td> }
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

pub fn reproduce_panel(ctx: &Ctx) -> Html {
    use engine::crossbar::experiment::fault_aware_recipe;
    use engine::experiments::noise_tables::{batch_table_recipes, hardening_recipes, Recipe};
    use engine::experiments::report::{CROSSBAR_TABLE, FAULT_AWARE_TABLE};
    let s = &ctx.state;
    let e = &s.explore;
    let seed = 1234;
    let fault_aware = fault_aware_recipe(seed);
    let recipes: Vec<Recipe> =
        batch_table_recipes(seed).into_iter().chain(hardening_recipes(seed)).chain([fault_aware.clone()]).collect();
    let find = |r: &Recipe| {
        s.models
            .iter()
            .rev()
            .find(|m| {
                m.meta.model.arch == r.model.arch
                    && m.meta.train == r.train
                    && m.meta.model.preprocessing == r.model.preprocessing
            })
            .map(|m| (m.meta.id, m.meta.test_accuracy))
    };
    let mut csv = vec!["table,key,label,report_clean,ours_clean,report_std1.0,ours_std1.0,report_std1.5,ours_std1.5,report_crossbar,ours_crossbar,report_faults,ours_faults".to_string()];
    let mut rows_json = Vec::new();
    // The report's crossbar figures of a row: (crossbar, crossbar + faults).
    let report_xbar = |r: &Recipe| -> (Option<f64>, Option<f64>) {
        match CROSSBAR_TABLE.iter().find(|x| x.0 == r.key) {
            Some(x) => (Some(x.3), Some(x.4)),
            None if r.key == fault_aware.key => (None, Some(FAULT_AWARE_TABLE[1].1)),
            None => (None, None),
        }
    };
    let mut row = |table: &str, r: &Recipe, clean: f64, s1: f64, s15: Option<f64>| {
        let found = find(r);
        let xb = report_xbar(r);
        let ours = (
            found.map(|f| f.1),
            found.and_then(|f| at_std(e, f.0, 1.0)),
            found.and_then(|f| at_std(e, f.0, 1.5)),
            found.and_then(|f| xbar_at(e, f.0, 0)),
            found.and_then(|f| xbar_at(e, f.0, 2)),
        );
        csv.push(format!(
            "{table},{},\"{}\",{clean},{},{s1},{},{},{},{},{},{},{}",
            r.key,
            r.label,
            opt(ours.0),
            opt(ours.1),
            opt(s15),
            opt(ours.2),
            opt(xb.0),
            opt(ours.3),
            opt(xb.1),
            opt(ours.4)
        ));
        rows_json.push(serde_json::json!({ "table": table, "key": r.key, "label": r.label,
            "report": { "clean": clean, "std1.0": s1, "std1.5": s15, "crossbar": xb.0, "faults": xb.1 },
            "ours": { "clean": ours.0, "std1.0": ours.1, "std1.5": ours.2, "crossbar": ours.3, "faults": ours.4 } }));
        let setup = {
            let state = ctx.state.clone();
            let r = r.clone();
            Callback::from(move |_| state.dispatch(Action::Enqueue(vec![r.clone()])))
        };
        let queued = s.queue.iter().any(|q| q.key == r.key);
        html! {
            <tr>
                <td>{ r.label.clone() }</td>
                <td class="num">{ format!("{clean:.2}") }</td>{ cell(ours.0) }
                <td class="num">{ format!("{s1:.2}") }</td>{ cell(ours.1) }
                <td class="num">{ s15.map(|v| format!("{v:.2}")).unwrap_or("—".into()) }</td>{ cell(ours.2) }
                <td class="num">{ xb.0.map(|x| format!("{x:.2}")).unwrap_or("—".into()) }</td>{ cell(ours.3) }
                <td class="num">{ xb.1.map(|x| format!("{x:.2}")).unwrap_or("—".into()) }</td>{ cell(ours.4) }
                <td>{ if found.is_some() { html! { "trained" } } else if queued { html! { "queued" } } else { html! { <button onclick={setup}>{"Train"}</button> } } }</td>
            </tr>
        }
    };
    let mut body = Vec::new();
    for (r, &(_, _, clean, s1)) in recipes.iter().zip(BATCH_TABLE.iter()) {
        body.push(row("batch", r, clean, s1, None));
    }
    for r in recipes.iter().skip(BATCH_TABLE.len()) {
        if let Some(h) = HARDENING_TABLE.iter().find(|h| h.0 == r.label) {
            body.push(row("hardening", r, h.1, h.2, Some(h.3)));
        }
    }
    // Part 2's remedy: the report's fault-aware row (our recipe holds the biases at zero, see
    // docs/crossbar.md), with its hardening figures and its crossbar + faults figure.
    let h = HARDENING_TABLE[6];
    body.push(row("fault-aware", &fault_aware, h.1, h.2, Some(h.3)));
    let missing: Vec<Recipe> =
        recipes.iter().filter(|r| find(r).is_none() && !s.queue.iter().any(|q| q.key == r.key)).cloned().collect();
    let train_all = {
        let state = ctx.state.clone();
        let missing = missing.clone();
        Callback::from(move |_| state.dispatch(Action::Enqueue(missing.clone())))
    };
    let csv = csv.join("\n");
    let json = serde_json::json!({ "seed": seed, "rows": rows_json }).to_string();
    html! {
        <section id="reproduce-panel" class="panel">
            <h2>{"Reproduce the report"}</h2>
            <p class="explain">{"Each row is one of the report's models (5 epochs, Adam, seed 1234), trained here in the trainer worker when you press Train (or all at once; the CNN rows take minutes each). Its clean accuracy fills in at once; the accuracy under noise σ = 1.0 / 1.5 comes from the Explore panel's curves (mean of its draws), and the crossbar columns from the fault curve when the crossbar simulation is on with its default (the report's) settings. The last row is Part 2's remedy, fault-aware training; ours holds the biases at zero, which MemTorch-style input scaling needs."}</p>
            <p>
                <button id="train-all" class="primary" disabled={missing.is_empty()} onclick={train_all}>{ format!("Train all {} missing rows", missing.len()) }</button>
                { if s.queue.is_empty() { html! {} } else { html! { <span>{ format!(" {} queued after the current run", s.queue.len()) }</span> } } }
            </p>
            <table id="report-table">
                <thead><tr><th>{"model"}</th><th>{"report clean"}</th><th>{"ours"}</th><th>{"report σ=1.0"}</th><th>{"ours"}</th>
                    <th>{"report σ=1.5"}</th><th>{"ours"}</th><th>{"report crossbar"}</th><th>{"ours"}</th><th>{"report + faults 0.1/0.1"}</th><th>{"ours"}</th><th></th></tr></thead>
                <tbody>{ for body }</tbody>
            </table>
            <p>
                <button onclick={Callback::from({ let csv = csv.clone(); move |_| download(csv.as_bytes(), "reproduce.csv", "text/csv") })}>{"Export CSV"}</button>{" "}
                <button onclick={Callback::from(move |_| download(json.as_bytes(), "reproduce.json", "application/json"))}>{"Export JSON"}</button>
            </p>
        </section>
    }
}

/// The Landscape panel: loss along filter-normalised random directions (1-D for every compared
/// model, 2-D for the selected one) and the noise landscape, computed by the evaluators.
pub fn landscape_panel(ctx: &Ctx) -> Html {
    use super::landscape::{axis, GRID_POINTS, NOISE_DRAWS, NOISE_STDS, SLICE_POINTS, SUBSET};
    use super::plots::Heatmap;
    let s = &ctx.state;
    let l = &s.landscape;
    if s.models.is_empty() {
        return html! { <section id="landscape-panel" class="panel"><p class="hint">{"Train a model first (Train panel); its loss landscape shows here."}</p></section> };
    }
    let compare: Vec<u64> = s.explore.compare.iter().copied().filter(|id| s.model(*id).is_some()).collect();
    let models = if compare.is_empty() {
        s.explore.model.or(s.models.last().map(|m| m.meta.id)).into_iter().collect()
    } else {
        compare
    };
    let grid_model = s.explore.model.filter(|id| models.contains(id)).or(models.first().copied());
    let start = {
        let d = s.dispatcher();
        let (models, grid_model) = (models.clone(), grid_model);
        Callback::from(move |_: MouseEvent| {
            d.dispatch(Action::LandscapeStart { models: models.clone(), grid_model, now_ms: now_ms() })
        })
    };
    let name = |id: u64| s.model(id).map(|m| m.meta.name.clone()).unwrap_or_else(|| format!("model {id}"));
    let (done, total) = l.progress();
    let since = |t: Option<f64>| match (t, l.started_ms) {
        (Some(t), Some(s0)) => format!("{:.1} s", (t - s0) / 1000.0),
        _ => "…".into(),
    };
    let status = if l.run == 0 {
        html! { <p class="hint">{ format!("Press the button to compute: {SLICE_POINTS} points along one direction for each model, a {GRID_POINTS} × {GRID_POINTS} grid for the selected one, and {} noise strengths × {NOISE_DRAWS} draws, on a stratified subset of {} test images.", NOISE_STDS.len(), fmt_int(SUBSET)) }</p> }
    } else {
        html! {
            <div>
                <progress id="landscape-progress" max={total.to_string()} value={done.to_string()}></progress>
                <p id="landscape-status" data-done={done.to_string()} data-total={total.to_string()}
                    data-slice-ms={l.slice_done_ms.zip(l.started_ms).map(|(t, s0)| format!("{:.0}", t - s0)).unwrap_or_default()}
                    data-grid-ms={l.grid_done_ms.zip(l.started_ms).map(|(t, s0)| format!("{:.0}", t - s0)).unwrap_or_default()}>
                    { format!("{done} / {total} points · 1-D slices done after {} · 2-D grid after {} · noise landscape after {}", since(l.slice_done_ms), since(l.grid_done_ms), since(l.noise_done_ms)) }
                </p>
            </div>
        }
    };
    let xs = axis(SLICE_POINTS);
    let mut slice_series = Vec::new();
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for (i, &id) in l.models.iter().enumerate() {
        let pts: Vec<(f64, f64, f64)> = l
            .slice
            .get(&id)
            .map(|m| m.iter().map(|(&k, &(loss, _))| (xs[k] as f64, loss, 0.0)).collect())
            .unwrap_or_default();
        for p in &pts {
            lo = lo.min(p.1);
            hi = hi.max(p.1);
        }
        // The legend is the coloured list above the charts: long model names crowd a plot.
        slice_series.push(Series { name: String::new(), color: i, points: pts, dashed: false });
    }
    let y = if lo <= hi { (0.0f64.min(lo), hi * 1.05 + 1e-6) } else { (0.0, 1.0) };
    let slice_chart = html! { <Chart spec={LineChart {
        caption: "test loss along a filter-normalised direction".into(),
        x_label: "step α along the direction (1 = each filter moved by its own norm)".into(),
        y_label: "test loss".into(),
        x: (-1.0, 1.0),
        y,
        series: slice_series,
        marker: Some(0.0),
        size: (760, 400),
        legend: Legend::UpperRight,
        log_x: false,
    }} /> };
    let grid = if l.grid.len() == GRID_POINTS * GRID_POINTS {
        let values: Vec<f64> = l.grid.values().map(|p| p.0).collect();
        html! { <Heatmap caption={format!("{}: test loss", l.grid_model.map(name).unwrap_or_default())} n={GRID_POINTS} values={values} /> }
    } else if l.run > 0 {
        html! { <p class="hint">{ format!("2-D grid: {} / {} points", l.grid.len(), GRID_POINTS * GRID_POINTS) }</p> }
    } else {
        html! {}
    };
    let noise_series = |acc: bool| -> Vec<Series> {
        l.models
            .iter()
            .enumerate()
            .map(|(i, &id)| Series {
                name: String::new(),
                color: i,
                points: l
                    .noise
                    .get(&id)
                    .map(|m| {
                        m.iter()
                            .map(|(&k, &(loss, a))| {
                                if acc {
                                    (NOISE_STDS[k] as f64, a.0, a.1)
                                } else {
                                    (NOISE_STDS[k] as f64, loss.0.max(1e-9).log10(), 0.0)
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                dashed: false,
            })
            .collect()
    };
    let log_loss: Vec<f64> =
        l.noise.values().flat_map(|m| m.values().map(|(loss, _)| loss.0.max(1e-9).log10())).collect();
    let ly = if log_loss.is_empty() {
        (-2.0, 1.0)
    } else {
        (
            log_loss.iter().cloned().fold(f64::MAX, f64::min) - 0.2,
            log_loss.iter().cloned().fold(f64::MIN, f64::max) + 0.2,
        )
    };
    let noise_acc = html! { <Chart spec={LineChart {
        caption: format!("accuracy under log-normal noise (mean ± sd, {NOISE_DRAWS} draws)"),
        x_label: "noise std σ".into(),
        y_label: "accuracy (%)".into(),
        x: (0.0, 2.0),
        y: (0.0, 100.0),
        series: noise_series(true),
        marker: None,
        size: (760, 400),
        legend: Legend::UpperRight,
        log_x: false,
    }} /> };
    let noise_loss = html! { <Chart spec={LineChart {
        caption: "expected test loss under log-normal noise".into(),
        x_label: "noise std σ".into(),
        y_label: "log10 of mean test loss".into(),
        x: (0.0, 2.0),
        y: ly,
        series: noise_series(false),
        marker: None,
        size: (760, 400),
        legend: Legend::LowerRight,
        log_x: false,
    }} /> };
    html! {
        <section id="landscape-panel" class="panel">
            <h2>{"Loss landscape: why a hardened model survives noise"}</h2>
            <p class="explain">{"Each picture moves all weights away from the trained model along random directions, scaled filter by filter to the weights' own size (Li et al., 2018), and measures the test loss. A flat landscape means small weight errors barely matter. The same directions (seed 1) are used for every model, so the pictures compare. Models: the ones ticked in Explore's overlay list, or the selected one."}</p>
            <button id="landscape-run" class="primary" onclick={start}>{ format!("Compute landscapes ({} model{})", models.len(), if models.len() == 1 { "" } else { "s" }) }</button>
            { status }
            if !l.models.is_empty() {
                <ul class="legend" id="landscape-legend">
                    { for l.models.iter().enumerate().map(|(i, &id)| html! {
                        <li><span class="swatch" style={format!("background: {}", super::plots::css(i))}></span>{ name(id) }
                            if l.grid_model == Some(id) { <span class="how">{" (2-D grid)"}</span> }</li> }) }
                </ul>
            }
            <div class="chart-grid">
                <div class="chart" id="landscape-slice">{ slice_chart }</div>
                <div class="chart" id="landscape-grid">{ grid }</div>
                <div class="chart" id="landscape-noise-accuracy">{ noise_acc }</div>
                <div class="chart" id="landscape-noise-loss">{ noise_loss }</div>
            </div>
        </section>
    }
}
