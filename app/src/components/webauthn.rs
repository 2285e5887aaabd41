//! Calls into `public/webauthn.js` (navigator.credentials) from the WASM.

/// Runs `navigator.credentials.create` with the server's options; the credential as JSON.
pub async fn create_credential(options_json: String) -> Result<String, String> {
    call("create", options_json).await
}

/// Runs `navigator.credentials.get` with the server's options; the assertion as JSON.
pub async fn get_credential(options_json: String) -> Result<String, String> {
    call("get", options_json).await
}

const CANCELLED: &str =
    "The security key did not respond, or the request was cancelled. Please try again.";

#[cfg(feature = "hydrate")]
async fn call(function: &str, options_json: String) -> Result<String, String> {
    use wasm_bindgen::{JsCast, JsValue};
    let window = web_sys::window().ok_or(CANCELLED)?;
    let bridge = js_sys::Reflect::get(&window, &JsValue::from_str("switchyardWebauthn"))
        .map_err(|_| CANCELLED.to_string())?;
    if bridge.is_undefined() {
        return Err("Security keys are not available in this browser.".to_string());
    }
    let function: js_sys::Function = js_sys::Reflect::get(&bridge, &JsValue::from_str(function))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(CANCELLED)?;
    let promise: js_sys::Promise = function
        .call1(&bridge, &JsValue::from_str(&options_json))
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or(CANCELLED)?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|value| value.as_string())
        .ok_or_else(|| CANCELLED.to_string())
}

#[cfg(not(feature = "hydrate"))]
async fn call(_function: &str, _options_json: String) -> Result<String, String> {
    Err(CANCELLED.to_string())
}
