//! The Reproduce panel: the report's rows, trained from a queue (kept across reloads), beside
//! the report's figures; CSV and JSON export.

use yew::prelude::*;

use super::{report_table, Ctx};
use crate::app::browser::download;
use crate::app_core::report_rows::table;
use crate::app_core::reproduce::{missing, row_status, SECTIONS};
use crate::app_core::Action;

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    // The engine's table, the one `mpg reproduce` writes: rows keyed by recipe, CSV and JSON.
    let table = table(s);
    let missing = missing(s);
    let csv = table.csv();
    let json = table.json().to_string();
    let body = SECTIONS.map(|section| {
        let rows = table.section(section).map(|r| report_table::row(ctx, r, row_status(s, r.key)));
        html! { <tbody data-section={section.title()}>{ for rows }</tbody> }
    });
    let n = missing.len();
    html! {
        <section id="reproduce-panel" class="panel">
            <h2>{"Reproduce the report"}</h2>
            <p class="explain">{"Each row is one of the report's models (5 epochs, Adam, seed 1234), trained here when you press Train (or all at once: the queue then trains two rows at a time, on two workers, one per core). The queue is kept in this browser: after a reload it carries on, starting with the row that was training. Its clean accuracy fills in at once; the accuracy under noise σ = 1.0 / 1.5 comes from the Explore panel's curves (mean of its draws), and the crossbar columns from the fault curve when the crossbar simulation is on with its default (the report's) settings. The last rows are Part 2's remedy, fault-aware training (ours holds the biases at zero, which MemTorch-style input scaling needs), beside the baseline and the project's ablations. The table, its CSV and its JSON are the ones `mpg reproduce` writes: a model downloaded from here is reused by `mpg reproduce --models DIR`, and a model file from it, uploaded, fills its row."}</p>
            <p>
                <button id="train-all" class="primary" disabled={missing.is_empty()} onclick={ctx.cb(move |_| Action::Enqueue(missing.clone()))}>
                    { format!("Train all {n} missing row{}", if n == 1 { "" } else { "s" }) }</button>
                { if s.reproduce.waiting.is_empty() { html! {} } else { html! { <span>{ format!(" {} queued after the current run", s.reproduce.waiting.len()) }</span> } } }
            </p>
            <table id="report-table">
                <thead><tr><th>{"model"}</th><th>{"report clean"}</th><th>{"ours"}</th><th>{"report σ=1.0"}</th><th>{"ours"}</th>
                    <th>{"report σ=1.5"}</th><th>{"ours"}</th><th>{"report crossbar"}</th><th>{"ours"}</th><th>{"report + faults 0.1/0.1"}</th><th>{"ours"}</th><th>{"status"}</th></tr></thead>
                { for body }
            </table>
            <p>
                <button onclick={Callback::from(move |_| download(csv.as_bytes(), "reproduce.csv", "text/csv"))}>{"Export CSV"}</button>{" "}
                <button onclick={Callback::from(move |_| download(json.as_bytes(), "reproduce.json", "application/json"))}>{"Export JSON"}</button>
            </p>
        </section>
    }
}
