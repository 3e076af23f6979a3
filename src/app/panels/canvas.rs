//! Pictures drawn on a canvas: a test digit, a crossbar tile.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::protocol::{EvalOutput, Samples};

#[derive(Properties, PartialEq)]
pub struct TileProps {
    pub tile: Rc<EvalOutput>,
}

/// A crossbar tile as a heat map: conductance from dark (G_off) to light blue (G_on); devices
/// stuck at LRS in red, at HRS in yellow.
#[function_component]
pub fn TileMap(p: &TileProps) -> Html {
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
            <canvas ref={canvas} width={side.to_string()} height={side.to_string()} class="tile" role="img" aria-label={caption.clone()} />
            <figcaption>{ caption }</figcaption>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
pub struct DigitProps {
    pub samples: Rc<Samples>,
    pub index: usize,
}

#[function_component]
pub fn Digit(p: &DigitProps) -> Html {
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
    let label =
        format!("test image {}, labelled {}", p.index + 1, p.samples.labels.get(p.index).copied().unwrap_or_default());
    html! { <canvas ref={canvas} width="28" height="28" class="digit" role="img" aria-label={label} /> }
}
