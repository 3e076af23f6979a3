//! The confusion matrix of the predictions under the current noise draw.

use yew::prelude::*;

/// Counts of (true digit, predicted digit).
pub fn counts(labels: &[u8], predicted: &[u8]) -> [[usize; 10]; 10] {
    let mut m = [[0usize; 10]; 10];
    for (&t, &p) in labels.iter().zip(predicted) {
        m[t as usize % 10][p as usize % 10] += 1;
    }
    m
}

/// `names`: the dataset's class names (digits, or Fashion-MNIST's clothes).
pub fn view(predicted: Option<&[u8]>, labels: Option<&[u8]>, std: f32, names: [&'static str; 10]) -> Html {
    let (Some(pred), Some(labels)) = (predicted, labels) else {
        return html! { <p class="hint">{"The confusion matrix appears when the exact figure for the current σ is in."}</p> };
    };
    let m = counts(labels, pred);
    let max = m.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    html! {
        <>
        <table id="confusion" class="confusion">
            <caption>{ format!("confusion matrix at σ = {std:.2} (rows: true class, columns: predicted)") }</caption>
            <tr><th><span class="visually-hidden">{"true class \\ predicted"}</span></th>{ for (0..10).map(|j| html! { <th scope="col">{ names[j] }</th> }) }</tr>
            { for (0..10).map(|i| html! { <tr><th scope="row">{ names[i] }</th>{ for (0..10).map(|j| {
                let v = m[i][j];
                let a = 0.8 * (v as f64 / max).sqrt(); // at most 0.8: the dark digits keep 4.5:1 contrast
                let style = if i == j { format!("background: rgba(0,114,178,{a:.2})") } else { format!("background: rgba(213,94,0,{a:.2})") };
                html! { <td style={style}>{ v }</td> } }) }</tr> }) }
        </table>
        <crate::app::plots::TableCsv table="#confusion" file="confusion-matrix.csv" what="the confusion matrix" />
        </>
    }
}
