//! The Reproduce panel: the report's rows, trained from a queue (kept across reloads) from one
//! or several seeds each, beside the report's figures; CSV and JSON export.

use yew::prelude::*;

use super::{gaps_note, labelled, report_table, Ctx};
use crate::app::browser::{download, event_value};
use crate::app_core::report_rows::{seed_table, table};
use crate::app_core::reproduce::{
    job_status, missing, missing_jobs, row_status, RowStatus, MAX_SEEDS_PER_ROW, SECTIONS,
};
use crate::app_core::Action;

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    // The engine's tables, the ones `mpg reproduce` writes: rows keyed by recipe, CSV and
    // JSON; with several seeds, the one `mpg reproduce --seeds N` writes.
    let seeds = s.reproduce.seeds;
    let (body, csv, json) = match seed_table(s) {
        Some(t) => {
            let body = SECTIONS.map(|section| {
                let rows = t.rows.iter().filter(|r| r.section == section).map(|r| {
                    let done = r
                        .seeds
                        .iter()
                        .filter(|&&seed| matches!(job_status(s, (r.key, seed)), RowStatus::Trained(_)))
                        .count();
                    report_table::seed_row(ctx, r, row_status(s, r.key), done)
                });
                html! { <tbody data-section={section.title()}>{ for rows }</tbody> }
            });
            (body, t.csv(), serde_json::to_string(&t).unwrap_or_default())
        }
        None => {
            let t = table(s);
            let body = SECTIONS.map(|section| {
                let rows = t.section(section).map(|r| report_table::row(ctx, r, row_status(s, r.key)));
                html! { <tbody data-section={section.title()}>{ for rows }</tbody> }
            });
            (body, t.csv(), t.json().to_string())
        }
    };
    let rows = missing(s);
    let n = missing_jobs(s).len();
    let what = if seeds == 1 { "row" } else { "model" };
    let ours = if seeds == 1 { "ours" } else { "ours: mean ± sd over seeds, verdict" };
    let choose = ctx.cb(|ev: Event| Action::SetSeedsPerRow(event_value(&ev).parse().unwrap_or(1)));
    html! {
        <section id="reproduce-panel" class="panel">
            <h2>{"Reproduce the report"}</h2>
            <p class="explain">{"Each row is one of the report's models (5 epochs, Adam, seed 1234), trained here when you press Train (or all at once: the queue then trains two rows at a time, on two workers, one per core). The queue is kept in this browser: after a reload it carries on, starting with the row that was training. Its clean accuracy fills in at once; the accuracy under noise σ = 1.0 / 1.5 comes from the Explore panel's curves (mean of its draws), and the crossbar columns from the fault curve when the crossbar simulation is on with its default (the report's) settings. The last rows are Part 2's remedy, fault-aware training (ours holds the biases at zero, which MemTorch-style input scaling needs), beside the baseline and the project's ablations. The table, its CSV and its JSON are the ones `mpg reproduce` writes: a model downloaded from here is reused by `mpg reproduce --models DIR`, and a model file from it, uploaded, fills its row."}</p>
            { labelled("seeds per row", "Train every row from this many seeds (1234, 1235, …) and show the mean ± sd over them, with a verdict on each of the report's figures: it holds when the report's value is within 2 sd of ours (the spread of a new training run and of the draws), else it differs. One seed is the report's single run, with no verdict. As `mpg reproduce --seeds N`.", html! {
                <select id="reproduce-seeds" onchange={choose}>
                    { for (1..=MAX_SEEDS_PER_ROW).map(|k| html! { <option value={k.to_string()} selected={seeds == k}>{ if k == 1 { "1 (the report's)".to_string() } else { k.to_string() } }</option> }) }
                </select> }) }
            <p>
                <button id="train-all" class="primary" disabled={rows.is_empty()} onclick={ctx.cb(move |_| Action::Enqueue(rows.clone()))}>
                    { format!("Train all {n} missing {what}{}", if n == 1 { "" } else { "s" }) }</button>
                { if s.reproduce.waiting.is_empty() { html! {} } else { html! { <span>{ format!(" {} queued after the current run", s.reproduce.waiting.len()) }</span> } } }
            </p>
            <table id="report-table" data-seeds={seeds.to_string()}>
                <thead><tr><th>{"model"}</th><th>{"report clean"}</th><th>{ours}</th><th>{"report σ=1.0"}</th><th>{ours}</th>
                    <th>{"report σ=1.5"}</th><th>{ours}</th><th>{"report crossbar"}</th><th>{ours}</th><th>{"report + faults 0.1/0.1"}</th><th>{ours}</th><th>{"status"}</th></tr></thead>
                { for body }
            </table>
            { gaps_note::view() }
            <p>
                <button onclick={Callback::from(move |_| download(csv.as_bytes(), "reproduce.csv", "text/csv"))}>{"Export CSV"}</button>{" "}
                <button onclick={Callback::from(move |_| download(json.as_bytes(), "reproduce.json", "application/json"))}>{"Export JSON"}</button>
            </p>
        </section>
    }
}
