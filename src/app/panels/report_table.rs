//! The Reproduce panel's table rows.

use yew::prelude::*;

use super::Ctx;
use crate::app_core::report_rows::ReportRow;
use crate::app_core::reproduce::RowStatus;
use crate::app_core::Action;

fn report(v: Option<f64>) -> Html {
    html! { <td class="num">{ v.map(|v| format!("{v:.2}")).unwrap_or("—".into()) }</td> }
}

fn ours(v: Option<f64>) -> Html {
    html! { <td class="num ours">{ v.map(|v| format!("{v:.2}")).unwrap_or("—".into()) }</td> }
}

pub fn row(ctx: &Ctx, r: &ReportRow) -> Html {
    let key = r.recipe.key.clone();
    let status = match r.status {
        RowStatus::Trained(_) => html! { "trained" },
        RowStatus::Training => html! { <span class="running">{"training…"}</span> },
        RowStatus::Queued => html! { "queued" },
        RowStatus::Missing => {
            html! { <button onclick={ctx.cb(move |_| Action::Enqueue(vec![key.clone()]))}>{"Train"}</button> }
        }
    };
    html! {
        <tr data-key={r.recipe.key.clone()}>
            <td>{ r.recipe.label.clone() }</td>
            { report(r.report.clean) }{ ours(r.ours.clean) }
            { report(r.report.std1) }{ ours(r.ours.std1) }
            { report(r.report.std15) }{ ours(r.ours.std15) }
            { report(r.report.crossbar) }{ ours(r.ours.crossbar) }
            { report(r.report.faults) }{ ours(r.ours.faults) }
            <td>{ status }</td>
        </tr>
    }
}
