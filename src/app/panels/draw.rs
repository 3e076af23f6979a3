//! The Draw panel: draw a digit (mouse, touch, pen) or upload a picture of one; every compared
//! model reads it, clean, under the noise slider's σ and on the crossbars, and the bars follow
//! the sliders live. The digit is centred and scaled as MNIST's were (in the evaluator), and
//! the 28x28 image the networks see is shown beside the canvas.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{crossbar, explore::noise_slider, swatch, Ctx};
use crate::app_core::draw::{self, ink_from_rgba, top, Reading, CANVAS_SIDE};
use crate::app_core::{Action, State};
use crate::protocol::ClassSpread;

/// The pen's width on the 280-pixel canvas: MNIST's strokes are about 2-3 of 28 pixels once
/// a digit is scaled into its 20-pixel box.
const PEN: f64 = 20.0;

fn context(canvas: &NodeRef) -> Option<web_sys::CanvasRenderingContext2d> {
    let c = canvas.cast::<web_sys::HtmlCanvasElement>()?;
    c.get_context("2d").ok().flatten().map(|x| x.unchecked_into())
}

fn clear(canvas: &NodeRef) {
    if let Some(ctx) = context(canvas) {
        ctx.set_fill_style_str("#ffffff");
        let side = CANVAS_SIDE as f64;
        ctx.fill_rect(0.0, 0.0, side, side);
    }
}

/// The ink on the canvas (0 = paper), or `None` when nothing is drawn.
fn ink(canvas: &NodeRef) -> Option<Vec<u8>> {
    let ctx = context(canvas)?;
    let side = CANVAS_SIDE as f64;
    let rgba = ctx.get_image_data(0.0, 0.0, side, side).ok()?.data().0;
    let ink = ink_from_rgba(&rgba, CANVAS_SIDE, CANVAS_SIDE);
    ink.iter().any(|&v| v > 40).then_some(ink)
}

/// A pointer position in canvas pixels (the canvas may be shown smaller or larger).
fn at(canvas: &NodeRef, e: &MouseEvent) -> (f64, f64) {
    let scale = canvas
        .cast::<web_sys::HtmlCanvasElement>()
        .map(|c| CANVAS_SIDE as f64 / (c.client_width().max(1) as f64))
        .unwrap_or(1.0);
    (e.offset_x() as f64 * scale, e.offset_y() as f64 * scale)
}

#[derive(Properties, PartialEq)]
pub struct PadProps {
    pub on_drawn: Callback<Option<Vec<u8>>>,
}

/// The drawing canvas with its Clear and Upload controls.
#[function_component]
pub fn DrawingPad(p: &PadProps) -> Html {
    let canvas = use_node_ref();
    let last: Rc<RefCell<Option<(f64, f64)>>> = use_mut_ref(|| None);
    {
        let canvas = canvas.clone();
        use_effect_with((), move |_| {
            clear(&canvas);
            || ()
        });
    }
    let down = {
        let (canvas, last) = (canvas.clone(), last.clone());
        Callback::from(move |e: PointerEvent| {
            e.prevent_default();
            if let Some(c) = canvas.cast::<web_sys::Element>() {
                let _ = c.set_pointer_capture(e.pointer_id());
            }
            let (x, y) = at(&canvas, &e);
            if let Some(ctx) = context(&canvas) {
                ctx.set_fill_style_str("#000000");
                ctx.begin_path();
                let _ = ctx.arc(x, y, PEN / 2.0, 0.0, std::f64::consts::TAU);
                ctx.fill();
            }
            *last.borrow_mut() = Some((x, y));
        })
    };
    let moved = {
        let (canvas, last) = (canvas.clone(), last.clone());
        Callback::from(move |e: PointerEvent| {
            let Some((x0, y0)) = *last.borrow() else { return };
            let (x, y) = at(&canvas, &e);
            if let Some(ctx) = context(&canvas) {
                ctx.set_stroke_style_str("#000000");
                ctx.set_line_width(PEN);
                ctx.set_line_cap("round");
                ctx.set_line_join("round");
                ctx.begin_path();
                ctx.move_to(x0, y0);
                ctx.line_to(x, y);
                ctx.stroke();
            }
            *last.borrow_mut() = Some((x, y));
        })
    };
    let up = {
        let (canvas, last, on_drawn) = (canvas.clone(), last.clone(), p.on_drawn.clone());
        Callback::from(move |_e: PointerEvent| {
            if last.borrow_mut().take().is_some() {
                on_drawn.emit(ink(&canvas));
            }
        })
    };
    let on_clear = {
        let (canvas, on_drawn) = (canvas.clone(), p.on_drawn.clone());
        Callback::from(move |_| {
            clear(&canvas);
            on_drawn.emit(None);
        })
    };
    let on_upload = {
        let (canvas, on_drawn) = (canvas.clone(), p.on_drawn.clone());
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let Ok(url) = web_sys::Url::create_object_url_with_blob(&file) else { return };
            let Ok(img) = web_sys::HtmlImageElement::new() else { return };
            let (canvas, on_drawn, img2, url2) = (canvas.clone(), on_drawn.clone(), img.clone(), url.clone());
            let onload = Closure::once_into_js(move || {
                clear(&canvas);
                if let Some(ctx) = context(&canvas) {
                    // the picture scaled to fit the canvas, aspect ratio kept
                    let (w, h) = (img2.natural_width().max(1) as f64, img2.natural_height().max(1) as f64);
                    let side = CANVAS_SIDE as f64;
                    let k = (side / w).min(side / h);
                    let (dw, dh) = (w * k, h * k);
                    let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(
                        &img2,
                        (side - dw) / 2.0,
                        (side - dh) / 2.0,
                        dw,
                        dh,
                    );
                }
                let _ = web_sys::Url::revoke_object_url(&url2);
                on_drawn.emit(ink(&canvas));
            });
            img.set_onload(Some(onload.unchecked_ref()));
            img.set_src(&url);
        })
    };
    html! {
        <div class="drawing-pad">
            <canvas ref={canvas} id="draw-canvas" class="draw-canvas" width={CANVAS_SIDE.to_string()} height={CANVAS_SIDE.to_string()}
                role="img" aria-label="drawing area: draw one digit with the mouse, a finger or a pen"
                onpointerdown={down} onpointermove={moved} onpointerup={up.clone()} onpointercancel={up} />
            <p class="pad-buttons">
                <button id="draw-clear" onclick={on_clear}>{"Clear"}</button>{" "}
                <label class="button">{"Upload a picture of a digit"}
                    <input id="draw-upload" type="file" accept="image/*" class="visually-hidden" onchange={on_upload} /></label>
            </p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct SeenProps {
    centred: Rc<Vec<u8>>,
}

/// The 28x28 image the networks read.
#[function_component]
fn Seen(p: &SeenProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(p.centred.clone(), move |px| {
            if let Some(ctx) = context(&canvas) {
                let rgba: Vec<u8> = px.iter().flat_map(|&v| [255 - v, 255 - v, 255 - v, 255]).collect();
                if let Ok(img) =
                    web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), 28, 28)
                {
                    let _ = ctx.put_image_data(&img, 0.0, 0.0);
                }
            }
            || ()
        });
    }
    html! {
        <figure class="seen">
            <canvas ref={canvas} id="draw-centred" width="28" height="28" class="digit-large" role="img"
                aria-label="the drawing as the networks see it: 28 by 28 pixels, centred as MNIST's digits" />
            <figcaption>{"what the networks see (28×28, centred as MNIST)"}</figcaption>
        </figure>
    }
}

/// One spread as "p ± sd" with a bar.
fn bar(class: &str, value: f32, sd: Option<f32>) -> Html {
    let pct = (value * 100.0).clamp(0.0, 100.0);
    let text = match sd {
        Some(sd) => format!("{pct:.1}% ± {:.1}", sd * 100.0),
        None => format!("{pct:.1}%"),
    };
    html! {
        <td class={classes!("prob", class.to_string())}>
            <span class="bar" style={format!("width: {pct:.1}%")}></span><span class="pct">{ text }</span>
        </td>
    }
}

fn reading_view(s: &State, id: u64, r: &Reading, current: bool) -> Html {
    let names = s.form.dataset.class_names();
    let name = s.model(id).map(|m| m.meta.name.clone()).unwrap_or_default();
    let spread = |x: &Option<ClassSpread>| x.as_ref().and_then(|c| top(&c.mean).map(|t| (t, c.clone())));
    let clean_top = top(&r.clean);
    let noisy = spread(&r.noisy);
    let xbar = spread(&r.crossbar);
    let verdict = |label: &str, t: Option<(usize, f32)>| {
        t.map(|(c, p)| format!("{label}: {} ({:.0}%)", names[c], p * 100.0)).unwrap_or_default()
    };
    let mut says = vec![verdict("clean", clean_top)];
    if let Some(((c, p), _)) = &noisy {
        says.push(verdict(&format!("σ = {:.2}", r.key.std_centi as f32 / 100.0), Some((*c, *p))));
    }
    if let Some(((c, p), _)) = &xbar {
        says.push(verdict("crossbar", Some((*c, *p))));
    }
    let rows = (0..names.len()).map(|c| {
        html! {
            <tr>
                <th scope="row">{ names[c] }</th>
                { bar("clean", r.clean[c], None) }
                if let Some((_, n)) = &noisy { { bar("noisy", n.mean[c], Some(n.sd[c])) } }
                if let Some((_, x)) = &xbar { { bar("xbar", x.mean[c], Some(x.sd[c])) } }
            </tr>
        }
    });
    let json = |v: &[f32]| serde_json::to_string(v).unwrap_or_default();
    html! {
        <section class="reading" id={format!("reading-{id}")} data-model-name={name.clone()}
            data-state={if current { "current" } else { "updating" }}
            data-clean-class={clean_top.map(|t| t.0.to_string()).unwrap_or_default()}
            data-noisy-class={noisy.as_ref().map(|t| t.0 .0.to_string()).unwrap_or_default()}
            data-noisy={noisy.as_ref().map(|t| json(&t.1.mean)).unwrap_or_default()}
            data-xbar-class={xbar.as_ref().map(|t| t.0 .0.to_string()).unwrap_or_default()}
            data-std={format!("{:.2}", r.key.std_centi as f32 / 100.0)}>
            <h3>{ swatch(id) }{ name }</h3>
            <p class="verdict" aria-live="polite">{ says.join(" · ") }{ if current { "" } else { " · updating…" } }</p>
            <table class="probabilities">
                <caption class="visually-hidden">{"class probabilities"}</caption>
                <thead><tr><th scope="col">{"class"}</th><th scope="col">{"clean"}</th>
                    if noisy.is_some() { <th scope="col">{ format!("σ = {:.2}, mean ± sd of {} draws", r.key.std_centi as f32 / 100.0, r.key.draws) }</th> }
                    if xbar.is_some() { <th scope="col">{ format!("crossbar, mean ± sd of {} draws", r.key.draws) }</th> }
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let on_drawn = {
        let d = s.dispatcher();
        Callback::from(move |ink: Option<Vec<u8>>| match ink {
            Some(ink) => d.dispatch(Action::Drew { width: CANVAS_SIDE, height: CANVAS_SIDE, ink: Rc::new(ink) }),
            None => d.dispatch(Action::ClearDrawing),
        })
    };
    let current = draw::current_task(s).map(|(_, k)| k);
    let models = draw::models(s);
    let centred = s.draw.readings.values().next().map(|r| r.centred.clone());
    let readings = models.iter().map(|&id| match (s.draw.readings.get(&id), s.draw.errors.get(&id)) {
        (_, Some(e)) => html! { <p class="problem" role="alert">{ format!("{}: {e}", s.model(id).map(|m| m.meta.name.clone()).unwrap_or_default()) }</p> },
        (Some(r), None) => reading_view(s, id, r, current.as_ref() == Some(&r.key)),
        (None, None) => html! { <p class="hint">{"reading…"}</p> },
    });
    html! {
        <section id="draw-panel" class="panel">
            <h2>{"Draw a digit: how sure is the network, and how sure on imperfect devices?"}</h2>
            <div class="columns">
                <div class="form">
                    <DrawingPad on_drawn={on_drawn} />
                    if let Some(c) = centred { <Seen centred={c} /> }
                    if !s.hides("noise") { { noise_slider(ctx) } }
                    if !s.hides("crossbar") { { crossbar::view(ctx) } }
                </div>
                <div class="live" id="draw-readings">
                    if models.is_empty() {
                        <p class="hint">{"No model yet: train one (Train) or load the ready-trained ones (Explore)."}</p>
                    } else if s.draw.drawing.is_none() {
                        <p class="hint">{"Draw a digit in the box (one digit, large, anywhere): each compared model's class probabilities appear here, clean and under the noise and crossbar settings."}</p>
                    } else {
                        { for readings }
                    }
                </div>
            </div>
        </section>
    }
}
