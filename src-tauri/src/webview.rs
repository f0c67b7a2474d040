//! WebKit set up for a kitchen screen: one local page that never navigates, so the
//! caches a browser keeps for the web (memory cache of resources, back/forward page
//! cache) only cost memory on a small kiosk PC; and, unless asked for, no accelerated
//! compositing: with software rendering (no GPU, or none WebKit can use) compositing
//! layers cost a busy screen twice the idle CPU and 80 MiB more memory, for no faster
//! drawing (docs/benchmarks.md).

/// Applies the settings to the window's WebKit view (Linux; elsewhere nothing).
/// `gpu_compositing` keeps WebKit's own choice of accelerated compositing.
pub fn tune(window: &tauri::WebviewWindow, gpu_compositing: bool) {
    #[cfg(target_os = "linux")]
    {
        let applied = window.with_webview(move |webview| {
            use webkit2gtk::{
                CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
            };
            let view = webview.inner();
            if let Some(context) = view.context() {
                // "Document viewer": no memory cache of resources, the smallest
                // footprint; everything the page loads is bundled in the app.
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_enable_page_cache(false);
                if !gpu_compositing {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            }
        });
        if let Err(error) = applied {
            tracing::warn!(%error, "could not tune the web view");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, gpu_compositing);
}
