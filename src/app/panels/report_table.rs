//! The Reproduce panel's table rows: one row of the engine's [`ReportTable`] (or, with several
//! seeds, of its [`SeedTable`](engine::experiments::seeds::SeedTable)), with the row's place in
//! the queue.

use engine::experiments::seeds::SeedRow;
use engine::experiments::table::TableRow;
use engine::experiments::Figure;
use yew::prelude::*;

use super::Ctx;
use crate::app_core::reproduce::RowStatus;
use crate::app_core::Action;

/// The figures the panel's columns show, report and ours side by side.
pub const COLUMNS: [Figure; 5] =
    [Figure::Clean, Figure::Std1_0, Figure::Std1_5, Figure::Crossbar, Figure::CrossbarFaults];

fn number(v: Option<f64>, class: &'static str) -> Html {
    html! { <td class={class}>{ v.map(|v| format!("{v:.2}")).unwrap_or("—".into()) }</td> }
}

/// The status cell: a button for a row with a model to train.
fn status_cell(ctx: &Ctx, key: engine::experiments::RecipeKey, status: RowStatus) -> Html {
    match status {
        RowStatus::Trained(_) => html! { "trained" },
        RowStatus::Training => html! { <span class="running">{"training…"}</span> },
        RowStatus::Queued => html! { "queued" },
        RowStatus::Missing => {
            html! { <button onclick={ctx.cb(move |_| Action::Enqueue(vec![key]))}>{"Train"}</button> }
        }
    }
}

pub fn row(ctx: &Ctx, r: &TableRow, status: RowStatus) -> Html {
    let status = status_cell(ctx, r.key, status);
    let cells = COLUMNS.iter().map(|f| {
        html! { <>{ number(f.report(&r.report), "num") }{ number(f.ours(&r.ours).map(|s| s.mean), "num ours") }</> }
    });
    // Every figure of the row's section that the panel shows is in: what the full-report
    // benchmark (e2e/full-report.mjs) waits for.
    let complete = COLUMNS.iter().filter(|f| r.section.figures().contains(f)).all(|f| f.ours(&r.ours).is_some());
    html! {
        <tr data-key={r.key.to_string()} data-complete={complete.to_string()}>
            <td title={r.section.title()}>{ r.label.clone() }</td>
            { for cells }
            <td>{ status }</td>
        </tr>
    }
}

/// A row over several seeds: ours is the mean ± sd over the seeds (under the report's
/// protocol), with the engine's verdict below it where the report has the figure; `done`
/// of the row's seeds are trained.
pub fn seed_row(ctx: &Ctx, r: &SeedRow, status: RowStatus, done: usize) -> Html {
    let n = r.seeds.len();
    let status = match status {
        RowStatus::Trained(_) => html! { format!("trained ({n} seeds)") },
        other => html! { <>{ status_cell(ctx, r.key, other) }{ format!(" {done} of {n} seeds trained") }</> },
    };
    let cells = COLUMNS.iter().map(|&f| {
        let ours = r.figure(f).map(|st| {
            let verdict = st.verdict.map(|v| {
                let class = if v.holds { "verdict holds" } else { "verdict differs" };
                html! { <><br /><span class={class}>{ v.text() }</span></> }
            });
            html! { <>{ format!("{:.2} ± {:.2}", st.protocol_mean, st.protocol_sd) }{ for verdict }</> }
        });
        html! { <>{ number(f.report(&r.report), "num") }<td class="num ours">{ ours.unwrap_or(html! { "—" }) }</td></> }
    });
    let complete = COLUMNS.iter().filter(|f| r.section.figures().contains(f)).all(|&f| r.figure(f).is_some());
    html! {
        <tr data-key={r.key.to_string()} data-complete={complete.to_string()} data-seeds={n.to_string()}>
            <td title={r.section.title()}>{ r.label.clone() }</td>
            { for cells }
            <td>{ status }</td>
        </tr>
    }
}
