//! The header (language, theme, share, embed, reset, offline copy), the embed dialog and the
//! footer.

use leptos::prelude::*;

use super::context::{Page, ThemePref, KEY_LANG, KEY_SCENARIO, KEY_THEME};
use super::widgets::select_target;
use crate::i18n::{Lang, Phrase};
use crate::inputs::Scenario;
use crate::platform;

pub fn header(c: Page) -> impl IntoView {
    let copied = RwSignal::new(0u8); // 0 idle, 1 copied, 2 failed (show the link)
    let embed_open = RwSignal::new(false);
    let share = move |_| {
        let url = platform::page_url("", &c.scenario.with(Scenario::to_params));
        leptos::task::spawn_local(async move {
            let ok = platform::copy(&url).await;
            copied.set(if ok { 1 } else { 2 });
            set_timeout(move || copied.set(0), std::time::Duration::from_millis(if ok { 1500 } else { 20000 }));
        });
    };
    let reset = move |_| {
        c.scenario.set(Scenario::default());
        c.notice.set(None);
        c.file_status.set(String::new());
        platform::store_remove(KEY_SCENARIO);
        platform::replace_hash("");
    };
    let online = matches!(platform::protocol().as_str(), "http:" | "https:");
    view! {
        <header class="top">
            <div class="brand">
                <h1>"gpuplan"</h1>
                <p class="tagline">{move || c.tr(Phrase::Tagline)}</p>
            </div>
            <div class="tools">
                <label class="compact">
                    <span class="sr-only">{move || c.tr(Phrase::Language)}</span>
                    <select id="lang" data-testid="lang" aria-label=move || c.tr(Phrase::Language) on:change=move |ev| {
                        if let Some(l) = Lang::from_tag(&event_target_value(&ev)) {
                            c.lang.set(l);
                            platform::store_set(KEY_LANG, l.tag());
                        }
                    }>
                        {Lang::ALL.into_iter().map(|l| view! { <option value=l.tag() selected=move || c.lang.get() == l>{l.native_name()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="compact">
                    <span class="sr-only">{move || c.tr(Phrase::Theme)}</span>
                    <select id="theme" data-testid="theme" aria-label=move || c.tr(Phrase::Theme) on:change=move |ev| {
                        let t = ThemePref::from_code(&event_target_value(&ev));
                        c.theme.set(t);
                        platform::store_set(KEY_THEME, t.code());
                    }>
                        {[(ThemePref::Auto, Phrase::ThemeAuto), (ThemePref::Light, Phrase::ThemeLight), (ThemePref::Dark, Phrase::ThemeDark)].into_iter().map(|(t, k)| view! {
                            <option value=t.code() selected=move || c.theme.get() == t>{move || c.tr(k)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" data-testid="share" on:click=share>
                    {move || if copied.get() == 1 { c.tr(Phrase::Copied) } else { c.tr(Phrase::Share) }}
                </button>
                <button type="button" data-testid="embed" aria-expanded=move || if embed_open.get() { "true" } else { "false" } on:click=move |_| embed_open.update(|o| *o = !*o)>{move || c.tr(Phrase::Embed)}</button>
                <button type="button" data-testid="reset" on:click=reset>{move || c.tr(Phrase::Reset)}</button>
                {online.then(|| view! {
                    <a class="button" href="gpuplan-offline.html" download="gpuplan-offline.html" title=move || c.tr(Phrase::OfflineHint)>{move || c.tr(Phrase::Offline)}</a>
                })}
            </div>
            {move || (copied.get() == 2).then(|| view! {
                <div class="popover" role="status">
                    <label for="share-url">{move || c.tr(Phrase::CopyFailed)}</label>
                    <input id="share-url" readonly prop:value=move || platform::page_url("", &c.scenario.with(Scenario::to_params)) on:focus=|ev| select_target(&ev)/>
                </div>
            })}
            {move || embed_open.get().then(|| embed_dialog(c, embed_open))}
        </header>
    }
}

/// The `<iframe>` snippet for a blog post, with the parent-side height listener.
fn embed_snippet(c: Page) -> String {
    let src = platform::page_url(&format!("embed=1&lang={}", c.lang.get().tag()), &c.scenario.with(Scenario::to_params));
    let title = c.lang.get().t(Phrase::AppTitle);
    format!(
        "<iframe src=\"{}\" title=\"{}\" loading=\"lazy\" scrolling=\"no\" style=\"width:100%;height:760px;border:0\" data-gpuplan-embed></iframe>\n<script>addEventListener(\"message\",function(e){{var d=e.data;if(!d||d.type!==\"gpuplan:height\")return;document.querySelectorAll(\"iframe[data-gpuplan-embed]\").forEach(function(f){{if(f.contentWindow===e.source)f.style.height=d.height+\"px\"}})}});</script>",
        src.replace('&', "&amp;").replace('"', "&quot;"),
        title
    )
}

fn embed_dialog(c: Page, open: RwSignal<bool>) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <div class="dialog" role="dialog" aria-modal="false" aria-labelledby="embed-title" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <h2 id="embed-title">{move || c.tr(Phrase::EmbedTitle)}</h2>
            <p>{move || c.tr(Phrase::EmbedHint)}</p>
            <textarea id="embed-code" data-testid="embed-code" readonly rows="6" prop:value=move || embed_snippet(c) on:focus=|ev| select_target(&ev)></textarea>
            <div class="row">
                <button type="button" on:click=move |_| {
                    let s = embed_snippet(c);
                    leptos::task::spawn_local(async move { copied.set(platform::copy(&s).await); });
                }>{move || if copied.get() { c.tr(Phrase::Copied) } else { c.tr(Phrase::Share) }}</button>
                <button type="button" on:click=move |_| open.set(false)>{move || c.tr(Phrase::Close)}</button>
            </div>
        </div>
    }
}

pub fn footer(c: Page) -> impl IntoView {
    view! {
        <footer class="foot">
            <p>{move || c.tr(Phrase::FooterPrivacy)}</p>
            <p>{move || c.tr(Phrase::FooterData)} " (" {c.data.catalog.as_of.clone()} ")"</p>
        </footer>
    }
}
