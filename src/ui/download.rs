//! Saving exports: a Blob or data URL handed to a temporary download link. Nothing is sent
//! anywhere; the browser writes the file locally.

use wasm_bindgen::JsCast;

/// Offers `contents` as a download named `filename`.
pub fn text(filename: &str, mime: &str, contents: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(contents));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let result = url_download(filename, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

/// Offers a URL (blob: or data:) as a download named `filename`.
pub fn url_download(filename: &str, url: &str) -> Result<(), String> {
    let document = leptos::prelude::document();
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "not an anchor".to_string())?;
    a.set_href(url);
    a.set_download(filename);
    a.click();
    Ok(())
}

/// Offers what `canvas` shows as a PNG named `base`.png.
pub fn canvas_png(canvas: &web_sys::HtmlCanvasElement, base: &str) -> Result<(), String> {
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|e| format!("{e:?}"))?;
    url_download(&format!("{base}.png"), &url)
}

/// A file name made safe from a dataset or column name.
pub fn safe_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('_');
    if trimmed.is_empty() {
        "export".into()
    } else {
        trimmed.chars().take(60).collect()
    }
}
