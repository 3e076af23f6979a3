//! The charts as yew components over the shared `charts` crate (which the CLI uses too). A
//! component re-renders (and plotters re-measures its labels, which in the browser forces a
//! page layout per label) only when its data changes, not on every page update.
//!
//! Every chart is a figure with its text alternative (the `charts` crate writes it into the
//! SVG: `role="img"`, `aria-label`, `<title>`, `<desc>`) and two download buttons, SVG and PNG
//! (the SVG drawn onto a canvas at twice its size). [`TableCsv`] downloads a table as CSV.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use charts::{css, Legend, LineChart, Series};

use charts::{csv_field, file_stem};

use crate::app::browser::download;

/// Saves `href` (a data: or blob: URL) as the file `name`.
fn save_href(href: &str, name: &str) {
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) =
        doc.and_then(|d| d.create_element("a").ok()).and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(href);
        a.set_download(name);
        a.click();
    }
}

/// The SVG document drawn onto a canvas at twice its size, on white, saved as PNG.
fn download_png(svg: &str, size: (u32, u32), name: String) -> Result<(), JsValue> {
    let scale = 2.0;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let parts = js_sys::Array::of1(&JsValue::from_str(svg));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    // An <img> (HtmlImageElement is not among the web-sys features the app builds with: the
    // element is handled as a plain Element, and drawImage called by name).
    let img = doc.create_element("img")?;
    let canvas: web_sys::HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
    let (w, h) = (size.0 as f64, size.1 as f64);
    canvas.set_width((w * scale) as u32);
    canvas.set_height((h * scale) as u32);
    let image = img.clone();
    let src = url.clone();
    let onload = Closure::once_into_js(move || {
        let drawn = (|| -> Result<(), JsValue> {
            let ctx: web_sys::CanvasRenderingContext2d =
                canvas.get_context("2d")?.ok_or("no 2d context")?.dyn_into()?;
            ctx.set_fill_style_str("#ffffff");
            ctx.fill_rect(0.0, 0.0, w * scale, h * scale);
            ctx.scale(scale, scale)?;
            let draw: js_sys::Function = js_sys::Reflect::get(&ctx, &"drawImage".into())?.dyn_into()?;
            let args = js_sys::Array::of5(&image, &0.into(), &0.into(), &w.into(), &h.into());
            draw.apply(&ctx, &args)?;
            save_href(&canvas.to_data_url_with_type("image/png")?, &name);
            Ok(())
        })();
        if let Err(e) = drawn {
            web_sys::console::error_2(&"PNG export failed:".into(), &e);
        }
        let _ = web_sys::Url::revoke_object_url(&src);
    });
    img.add_event_listener_with_callback("load", onload.unchecked_ref())?;
    img.set_attribute("src", &url)?;
    Ok(())
}

/// A drawn chart, its text alternative inside, and its download buttons.
#[derive(yew::Properties, PartialEq)]
struct FigureProps {
    svg: Rc<Result<String, charts::ChartError>>,
    caption: String,
    size: (u32, u32),
}

#[yew::function_component]
fn Figure(p: &FigureProps) -> yew::Html {
    use yew::html;
    // The SVG is written into its holder by the page, not reconciled by yew: yew's raw-HTML
    // node, replaced as a curve filled in, was twice seen re-inserted outside its figure (an
    // unlabelled chart without its buttons, in the accessibility test).
    let holder = yew::use_node_ref();
    let svg = p.svg.as_ref().as_ref().ok().cloned();
    {
        let holder = holder.clone();
        yew::use_effect_with(svg.clone(), move |svg| {
            if let (Some(el), Some(svg)) = (holder.cast::<web_sys::Element>(), svg) {
                el.set_inner_html(svg);
            }
        });
    }
    let Some(svg) = svg else {
        let e = p.svg.as_ref().as_ref().err().map(|e| e.to_string()).unwrap_or_default();
        return html! { <p class="error" role="alert">{ format!("chart error: {e}") }</p> };
    };
    let stem = file_stem(&p.caption);
    let on_svg = {
        let (svg, name) = (svg.clone(), format!("{stem}.svg"));
        yew::Callback::from(move |_: yew::MouseEvent| download(svg.as_bytes(), &name, "image/svg+xml"))
    };
    let on_png = {
        let (svg, name, size) = (svg.clone(), format!("{stem}.png"), p.size);
        yew::Callback::from(move |_: yew::MouseEvent| {
            if let Err(e) = download_png(&svg, size, name.clone()) {
                web_sys::console::error_2(&"PNG export failed:".into(), &e);
            }
        })
    };
    html! {
        <figure class="chart-figure">
            <div class="chart-svg" ref={holder}></div>
            <figcaption class="chart-export">
                <span class="how">{"Download: "}</span>
                <button type="button" class="small" onclick={on_svg} title="the chart as an SVG file (vector, with its text description)"
                    aria-label={format!("Download the chart “{}” as SVG", p.caption)}>{"SVG"}</button>
                <button type="button" class="small" onclick={on_png} title="the chart as a PNG image (twice its size on screen)"
                    aria-label={format!("Download the chart “{}” as PNG", p.caption)}>{"PNG"}</button>
            </figcaption>
        </figure>
    }
}

fn figure(svg: Result<String, charts::ChartError>, caption: &str, size: (u32, u32)) -> yew::Html {
    yew::html! { <Figure svg={Rc::new(svg)} caption={caption.to_string()} size={size} /> }
}

#[derive(yew::Properties, PartialEq)]
pub struct ChartProps {
    pub spec: LineChart,
}

#[yew::function_component]
pub fn Chart(p: &ChartProps) -> yew::Html {
    figure(charts::line_chart(&p.spec), &p.spec.caption, p.spec.size)
}

/// Clean and perturbed weight histograms over the same bins.
#[derive(yew::Properties, PartialEq)]
pub struct HistogramProps {
    pub caption: String,
    pub lo: f32,
    pub hi: f32,
    pub clean: Vec<u32>,
    pub noisy: Vec<u32>,
}

#[yew::function_component]
pub fn Histogram(p: &HistogramProps) -> yew::Html {
    let size = (620, 320);
    let svg =
        charts::histogram(&p.caption, "weight value", p.lo, p.hi, ("clean", &p.clean), ("perturbed", &p.noisy), size);
    figure(svg, &p.caption, size)
}

/// The loss over the landscape grid: `values` row-major, `n` x `n`, rows along the second
/// direction from -1 up to 1; the model sits at the marked centre.
#[derive(yew::Properties, PartialEq)]
pub struct HeatmapProps {
    pub caption: String,
    pub n: usize,
    pub values: Vec<f64>,
}

#[yew::function_component]
pub fn Heatmap(p: &HeatmapProps) -> yew::Html {
    let axis: Vec<f64> = crate::app_core::landscape::axis(p.n).iter().map(|&a| a as f64).collect();
    let spec = charts::Heatmap {
        caption: p.caption.clone(),
        x_label: "direction 1".into(),
        y_label: "direction 2".into(),
        xs: axis.clone(),
        ys: axis,
        values: p.values.chunks(p.n.max(1)).map(|r| r.to_vec()).collect(),
        value_label: "loss".into(),
        size: (560, 520),
    };
    figure(charts::heatmap(&spec), &p.caption, spec.size)
}

/// The rows of a table as CSV: each cell's text; columns whose body cells all hold controls
/// (the buttons of an actions column) are left out.
pub fn table_csv(table: &web_sys::Element) -> String {
    let cells_of = |row: &JsValue| -> Vec<web_sys::Element> {
        js_sys::Reflect::get(row, &"cells".into())
            .map(|c| js_sys::Array::from(&c).iter().map(|c| c.unchecked_into()).collect())
            .unwrap_or_default()
    };
    let rows: Vec<Vec<web_sys::Element>> = js_sys::Reflect::get(table, &"rows".into())
        .map(|r| js_sys::Array::from(&r).iter().map(|r| cells_of(&r)).collect())
        .unwrap_or_default();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let is_control = |c: &web_sys::Element| c.query_selector("button, input, select").ok().flatten().is_some();
    let body: Vec<&Vec<web_sys::Element>> = rows.iter().filter(|r| r.iter().any(|c| c.tag_name() == "TD")).collect();
    let keep: Vec<bool> =
        (0..width).map(|i| body.is_empty() || !body.iter().all(|r| r.get(i).is_some_and(is_control))).collect();
    let mut out = String::new();
    for row in &rows {
        let fields: Vec<String> = row
            .iter()
            .enumerate()
            .filter(|(i, _)| keep.get(*i).copied().unwrap_or(true))
            .map(|(_, c)| csv_field(&c.text_content().unwrap_or_default()))
            .collect();
        out += &fields.join(",");
        out += "\r\n";
    }
    out
}

/// A button that downloads the table `selector` finds (at the time of the click) as CSV.
#[derive(yew::Properties, PartialEq)]
pub struct TableCsvProps {
    /// A CSS selector for the table, e.g. `#confusion`.
    pub table: yew::AttrValue,
    /// The file's name.
    pub file: yew::AttrValue,
    /// What the table is, for the button's accessible name.
    pub what: yew::AttrValue,
}

#[yew::function_component]
pub fn TableCsv(p: &TableCsvProps) -> yew::Html {
    let (selector, file) = (p.table.clone(), p.file.clone());
    let onclick = yew::Callback::from(move |_: yew::MouseEvent| {
        let table =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&selector).ok().flatten());
        if let Some(table) = table {
            download(table_csv(&table).as_bytes(), &file, "text/csv");
        }
    });
    yew::html! {
        <button type="button" class="small export-csv" {onclick} aria-label={format!("Download {} as CSV", p.what)}
            title="the table as a CSV file">{"CSV"}</button>
    }
}
