//! The Train panel: the form, the run in progress, the kept models.

use engine::data::DatasetKind;
use engine::train::{DistillLoss, GradientVariant};
use yew::prelude::*;

use super::{labelled, models_list, run_view, Ctx};
use crate::app::browser::{event_checked, event_value, new_model_id, now_ms};
use crate::app_core::form::{ArchChoice, FormField, MethodChoice};
use crate::app_core::naming::option_label;
use crate::app_core::Action;

/// A callback that sends a form field the control's value.
fn field(ctx: &Ctx, make: fn(String) -> FormField) -> Callback<Event> {
    ctx.cb(move |e: Event| Action::Form(make(event_value(&e))))
}

fn check(ctx: &Ctx, make: fn(bool) -> FormField) -> Callback<Event> {
    ctx.cb(move |e: Event| Action::Form(make(event_checked(&e))))
}

fn number(
    ctx: &Ctx,
    id: &'static str,
    value: String,
    step: &'static str,
    range: (&'static str, &'static str),
    make: fn(String) -> FormField,
) -> Html {
    // autocomplete off: a browser restoring an old value after a reload would show what the
    // state does not hold
    let value = ctx.state.shown(id, value);
    html! { <input id={id} type="number" autocomplete="off" value={value} step={step} min={range.0} max={range.1} oninput={ctx.draft(id)} onchange={field(ctx, make)} /> }
}

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let f = &s.form;
    let configs = f.configs();
    let training = s.training();
    let can_train = s.trainer_ready && !training && configs.is_ok();
    let arch_select = html! {
        <select id="arch" autocomplete="off" onchange={field(ctx, FormField::Arch)}>
            <option value="mlp" selected={f.arch == ArchChoice::Mlp}>{"MLP (fully connected)"}</option>
            <option value="lenet" selected={f.arch == ArchChoice::LeNet}>{"LeNet CNN"}</option>
            <option value="example" selected={f.arch == ArchChoice::ExampleCnn}>{"Example CNN (PyTorch MNIST example)"}</option>
        </select>
    };
    let method_select = html! {
        <select id="method" autocomplete="off" onchange={field(ctx, FormField::Method)}>
            <option value="standard" selected={f.method == MethodChoice::Standard}>{"standard"}</option>
            <option value="noise" selected={f.method == MethodChoice::NoiseInjection}>{"noise injection"}</option>
            <option value="distill" selected={f.method == MethodChoice::Distillation}>{"teacher-student"}</option>
            <option value="fault" selected={f.method == MethodChoice::FaultAware}>{"fault-aware"}</option>
        </select>
    };
    let method_extra = match f.method {
        MethodChoice::Standard => html! {},
        MethodChoice::NoiseInjection | MethodChoice::Distillation => html! {
            <>
            { labelled("training noise std", "Each training step draws fresh log-normal noise w·exp(ε), ε ~ N(0, std²), on every weight; gradients update the clean weights.",
                number(ctx, "train-std", format!("{}", f.train_std), "0.1", ("0", "5"), FormField::TrainStd)) }
            { labelled("gradient", "perturb-restore: the noisy weights' gradient is applied to the clean ones (the report's way); reparameterised: gradients flow through w·exp(ε).",
                html! { <select id="gradient" autocomplete="off" onchange={field(ctx, FormField::Gradient)}>
                    <option value="pr" selected={f.gradient == GradientVariant::PerturbRestore}>{"perturb-restore"}</option>
                    <option value="reparam" selected={f.gradient == GradientVariant::Reparameterised}>{"reparameterised"}</option></select> }) }
            if f.method == MethodChoice::Distillation {
                { labelled("distillation loss", "The student, trained under noise, matches the clean teacher's output probabilities.",
                    html! { <select id="distill-loss" autocomplete="off" onchange={field(ctx, FormField::DistillLoss)}>
                        <option value="mse" selected={f.distill_loss == DistillLoss::Mse}>{"MSE"}</option>
                        <option value="kl" selected={f.distill_loss == DistillLoss::Kl}>{"KL divergence"}</option></select> }) }
                { labelled("teacher", "A clean model trained earlier.", html! {
                    <select id="teacher" class="model-choice" autocomplete="off" onchange={field(ctx, FormField::Teacher)}>
                        <option value="" selected={f.teacher.is_none()}>{"(pick a saved model)"}</option>
                        { for s.models.iter().map(|m| html! { <option value={m.meta.id.to_string()} selected={f.teacher == Some(m.meta.id)}>{ option_label(&m.meta.name, m.meta.test_accuracy) }</option> }) }
                    </select> }) }
            }
            </>
        },
        MethodChoice::FaultAware => html! {
            <>
            { labelled("stuck-at-LRS rate", "Share of devices on each crossbar stuck at their lowest resistance, drawn afresh every step: a stuck positive device pulls its weight to +w_max, a stuck negative one to -w_max.",
                number(ctx, "train-fault-lrs", format!("{}", f.fault_lrs), "0.01", ("0", "0.5"), FormField::FaultLrs)) }
            { labelled("stuck-at-HRS rate", "Share of devices on each crossbar stuck at their highest resistance, drawn afresh every step: that side of the weight contributes nothing.",
                number(ctx, "train-fault-hrs", format!("{}", f.fault_hrs), "0.01", ("0", "0.5"), FormField::FaultHrs)) }
            </>
        },
    };
    let dataset = ctx.cb(|e: Event| {
        Action::SwitchDataset(if event_value(&e) == "fashion-mnist" {
            DatasetKind::FashionMnist
        } else {
            DatasetKind::Mnist
        })
    });
    html! {
        <section id="train-panel" class="panel">
            <div class="columns">
            <div class="form">
                <h2>{"Train a model"}</h2>
                { labelled("dataset", "Handwritten digits (MNIST) or clothing (Fashion-MNIST), from the data/ folder beside the app; changing it reloads the data in every worker and drops the figures computed on the other dataset.", html! {
                    <select id="dataset" autocomplete="off" disabled={training} onchange={dataset}>
                        <option value="mnist" selected={f.dataset == DatasetKind::Mnist}>{"MNIST digits"}</option>
                        <option value="fashion-mnist" selected={f.dataset == DatasetKind::FashionMnist}>{"Fashion-MNIST"}</option>
                    </select> }) }
                { labelled("model", "The report's MLP is 784-256-128-10; the CNNs see the image as a picture.", arch_select) }
                if f.arch == ArchChoice::Mlp {
                    { labelled("hidden sizes", "Units per hidden layer, comma separated.", html! {
                        <input id="hidden" type="text" autocomplete="off" value={s.shown("hidden", f.hidden.clone())} oninput={ctx.draft("hidden")} onchange={field(ctx, FormField::Hidden)} /> }) }
                    { labelled("dropout p", "Zero each hidden activation with probability p while training (0 = none); a known remedy against weight noise.",
                        number(ctx, "dropout", format!("{}", f.dropout), "0.1", ("0", "0.9"), FormField::Dropout)) }
                }
                { labelled("normalise inputs", "Subtract the dataset's mean pixel and divide by its spread (as torchvision's examples do).",
                    html! { <input id="normalized" type="checkbox" autocomplete="off" checked={f.normalized} onchange={check(ctx, FormField::Normalized)} /> }) }
                { labelled("batch size", "Images per optimisation step. The report found larger batches less robust to noise.",
                    number(ctx, "batch", f.batch.to_string(), "1", ("1", "60000"), FormField::Batch)) }
                { labelled("epochs", "Passes over the 60,000 training images.", number(ctx, "epochs", f.epochs.to_string(), "1", ("1", "100"), FormField::Epochs)) }
                { labelled("learning rate", "Adam's step size (PyTorch's default is 0.001).", number(ctx, "lr", format!("{}", f.lr), "0.0001", ("0.00001", "1"), FormField::Lr)) }
                { labelled("seed", "The same seed in the same browser gives the same model bit for bit. The command line (native code) gives the same model to float tolerance, not bit for bit: the last bits of float sums differ between native code and wasm, and training amplifies them.",
                    number(ctx, "seed", f.seed.to_string(), "1", ("0", "4294967295"), FormField::Seed)) }
                { labelled("biases held at 0", "Train without biases (they stay 0). Crossbars in memtorch input scaling divide each layer's product by the batch's largest input but add the bias unscaled; a bias-free network is immune to that, at any evaluation batch.",
                    html! { <input id="zero-biases" type="checkbox" autocomplete="off" checked={f.zero_biases} onchange={check(ctx, FormField::ZeroBiases)} /> }) }
                { labelled("method", "How training prepares the network for imperfect hardware.", method_select) }
                { method_extra }
                if let Err(e) = &configs { <p class="error" role="alert">{ e.clone() }</p> }
                <p>
                    <button id="train-button" class="primary" disabled={!can_train} onclick={ctx.cb(|_| Action::Train { now_ms: now_ms() })}>
                        { if s.trainer_ready { "Train" } else { "Train (loading data…)" } }</button>
                    {" "}
                    <button id="cancel-button" disabled={!training} onclick={ctx.cb(|_| Action::Cancel { keep_id: new_model_id() })}>{"Cancel"}</button>
                </p>
            </div>
            <div class="live">{ run_view::view(ctx) }</div>
            </div>
            { models_list::view(ctx) }
        </section>
    }
}
