//! The Reproduce panel's table rows: one row of the engine's [`ReportTable`], with the row's
//! place in the queue.

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

pub fn row(ctx: &Ctx, r: &TableRow, status: RowStatus) -> Html {
    let key = r.key;
    let status = match status {
        RowStatus::Trained(_) => html! { "trained" },
        RowStatus::Training => html! { <span class="running">{"training…"}</span> },
        RowStatus::Queued => html! { "queued" },
        RowStatus::Missing => {
            html! { <button onclick={ctx.cb(move |_| Action::Enqueue(vec![key]))}>{"Train"}</button> }
        }
    };
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
