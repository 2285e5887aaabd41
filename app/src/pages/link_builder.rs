//! The link builder, for console administrators: pick a role, a display name and a colour, and
//! get the exact Switch Role link to send (copy it, or open an email with it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::identity::grouped_account_id;
use crate::api::link_builder::load_link_builder;
use crate::components::copy_button::CopyButton;
use crate::components::page::{ErrorAlert, PageHeader};
use types::link_builder::LinkBuilderData;
use types::links::{safe_local_path, urlencode};
use types::palette::{PALETTE, color_name, resolve_color};
use types::role_sessions::in_tab;

/// The values of a Switch Role link.
#[derive(Clone, Copy, Default)]
pub struct LinkValues<'a> {
    pub account: &'a str,
    pub role: &'a str,
    pub display_name: &'a str,
    pub color: &'a str,
    /// "Open after switching": a page of the console (see [`open_after`]).
    pub redirect_uri: &'a str,
}

/// The Switch Role link for these values; empty values are left out.
pub fn switch_link(public_url: &str, values: LinkValues<'_>) -> String {
    let redirect = open_after(values.redirect_uri).unwrap_or_default();
    let query: Vec<String> = [
        ("account", values.account.trim()),
        ("roleName", values.role.trim().trim_matches('/')),
        ("displayName", values.display_name.trim()),
        ("color", values.color),
        ("redirect_uri", redirect.as_str()),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", urlencode(v)))
    .collect();
    format!(
        "{}/switchrole?{}",
        public_url.trim_end_matches('/'),
        query.join("&")
    )
}

/// "Open after switching" as the link carries it: a page path of this console (a role
/// session's `/as/ID` prefix is dropped: the switch opens a new session). `None` for anything
/// else, which the field marks.
pub fn open_after(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() {
        return Some(String::new());
    }
    safe_local_path(input).map(|path| in_tab(None, path))
}

/// A `mailto:` that opens an email with the link and what it does.
pub fn mailto(link: &str, display_name: &str) -> String {
    let subject = if display_name.trim().is_empty() {
        "Switch role in Switchyard".to_string()
    } else {
        format!("Switch role in Switchyard: {}", display_name.trim())
    };
    let body = format!(
        "Hello,\n\nthis link opens the Switch Role page of the console with the role filled in:\n\n{link}\n\n\
         Sign in, check the details, then select Switch Role. The link grants nothing by itself: \
         your own permissions and the role's trust policy decide whether you may switch.\n"
    );
    format!(
        "mailto:?subject={}&body={}",
        urlencode(&subject),
        urlencode(&body)
    )
}

#[component]
pub fn LinkBuilderPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_link_builder());
    view! {
        <Title text="Switch-role link builder" />
        <PageHeader eyebrow="Administration" title="Switch-role link builder">
            "Build a link that opens the Switch Role page with a role filled in, and send it to the people who should use it. "
            <strong>"A link grants nothing by itself"</strong>
            ": it only fills the form. Nothing switches until the person selects Switch Role, and their own permissions and the role's trust policy decide whether they may."
        </PageHeader>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <LinkBuilder data /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LinkBuilder(data: LinkBuilderData) -> impl IntoView {
    // Starting values come from the URL, so that the form also works as a plain GET form.
    let query = use_query_map();
    let param = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let first = data.roles.first().cloned();
    let account = RwSignal::new({
        let p = param("account");
        if p.is_empty() {
            first
                .as_ref()
                .map(|r| r.account_id.clone())
                .unwrap_or_default()
        } else {
            p
        }
    });
    let role = RwSignal::new({
        let p = param("roleName");
        if p.is_empty() {
            first.as_ref().map(|r| r.role.clone()).unwrap_or_default()
        } else {
            p
        }
    });
    let display_name = RwSignal::new(param("displayName"));
    let redirect_uri = RwSignal::new(param("redirect_uri"));
    let color = RwSignal::new(
        color_name(&resolve_color(&param("color")).unwrap_or_default())
            .unwrap_or("blue")
            .to_string(),
    );
    let public_url = StoredValue::new(data.public_url.clone());
    let link = Signal::derive(move || {
        switch_link(
            &public_url.get_value(),
            LinkValues {
                account: &account.get(),
                role: &role.get(),
                display_name: &display_name.get(),
                color: &color.get(),
                redirect_uri: &redirect_uri.get(),
            },
        )
    });
    let mail = move || mailto(&link.get(), &display_name.get());
    let too_long = move || display_name.with(|d| d.trim().chars().count() > 64);
    let bad_redirect = move || redirect_uri.with(|r| open_after(r).is_none());
    let missing =
        move || account.with(|a| a.trim().is_empty()) || role.with(|r| r.trim().is_empty());
    let roles = data.roles.clone();
    view! {
        <div class="grid two">
            <section class="card" aria-labelledby="builder-heading">
                <h2 id="builder-heading">"Role"</h2>
                <form method="get" action="/switchrole/links" class="form">
                    <label for="builder-known">"Known roles"</label>
                    <select id="builder-known" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some((a, r)) = value.split_once('|') {
                            account.set(a.to_string());
                            role.set(r.to_string());
                        }
                    }>
                        {roles.iter().map(|r| {
                            let value = format!("{}|{}", r.account_id, r.role);
                            let label = format!("{} — {} ({})", r.role, r.account_alias.clone().unwrap_or_else(|| r.account_id.clone()), grouped_account_id(&r.account_id));
                            let selected = account.get_untracked() == r.account_id && role.get_untracked() == r.role;
                            view! { <option value=value selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <p class="hint">"Or type any account and role below (for roles the directory does not list)."</p>
                    <label for="builder-account">"Account"</label>
                    <input id="builder-account" name="account" type="text" spellcheck="false"
                        prop:value=move || account.get() on:input=move |ev| account.set(event_target_value(&ev)) />
                    <label for="builder-role">"Role"</label>
                    <input id="builder-role" name="roleName" type="text" spellcheck="false"
                        prop:value=move || role.get() on:input=move |ev| role.set(event_target_value(&ev)) />
                    <label for="builder-display-name">"Display Name"</label>
                    <input id="builder-display-name" name="displayName" type="text" maxlength="64"
                        placeholder="Optional: ROLE @ ACCOUNT"
                        prop:value=move || display_name.get() on:input=move |ev| display_name.set(event_target_value(&ev)) />
                    <p class="field-error" role="alert">{move || too_long().then_some("Use at most 64 characters.")}</p>
                    <label for="builder-redirect">"Open after switching"</label>
                    <input id="builder-redirect" name="redirect_uri" type="text" spellcheck="false" autocapitalize="none"
                        placeholder="Optional: /s3/buckets/productionapp?prefix=releases/"
                        aria-describedby="builder-redirect-hint builder-redirect-error"
                        aria-invalid=move || if bad_redirect() { "true" } else { "false" }
                        prop:value=move || redirect_uri.get() on:input=move |ev| redirect_uri.set(event_target_value(&ev)) />
                    <p id="builder-redirect-hint" class="hint">"Any page of this console, e.g. a bucket folder. After switching, the person lands there in the new role session."</p>
                    <p id="builder-redirect-error" class="field-error" role="alert">
                        {move || bad_redirect().then_some("Enter a path of this console, starting with / (another site is never opened).")}
                    </p>
                    <fieldset class="swatches">
                        <legend>"Color"</legend>
                        <div class="swatch-row" role="radiogroup" aria-label="Color">
                            {PALETTE.iter().map(|(name, hex)| {
                                let id = format!("builder-color-{name}");
                                let label_for = id.clone();
                                view! {
                                    <label class="swatch" for=label_for title=*name>
                                        <input type="radio" id=id name="color" value=*name
                                            prop:checked=move || color.get() == *name
                                            on:change=move |_| color.set(name.to_string()) />
                                        <span class="swatch-chip" style:background-color=*hex aria-hidden="true"></span>
                                        <span class="swatch-name">{*name}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                    <noscript>
                        <button type="submit" class="button">"Update link"</button>
                    </noscript>
                </form>
            </section>
            <section class="card" aria-labelledby="link-heading">
                <h2 id="link-heading">"Link"</h2>
                <p class="muted small">"Opens the Switch Role page with these values filled in."</p>
                <div class="link-box">
                    <code id="switch-link" class="mono break">{move || link.get()}</code>
                    <CopyButton value=link what="link" />
                </div>
                {move || missing().then(|| view! {
                    <p class="alert warning" role="status">"Fill in both Account and Role: a link without them only opens an empty form."</p>
                })}
                <div class="button-row">
                    <a class="button primary" href=mail>"Email this link"</a>
                    <a class="button" href=move || link.get() target="_blank" rel="noopener">"Open the link"</a>
                </div>
                <p class="muted small">
                    "The email opens in your mail program with a subject and a short explanation; add the recipients there."
                </p>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_values_encoded_and_skip_empty_ones() {
        assert_eq!(
            switch_link(
                "http://localhost:3000/",
                LinkValues {
                    account: "123456789012",
                    role: "/UpdateAPP/",
                    display_name: "Prod & co",
                    color: "green",
                    redirect_uri: "",
                }
            ),
            "http://localhost:3000/switchrole?account=123456789012&roleName=UpdateAPP&displayName=Prod%20%26%20co&color=green"
        );
        assert_eq!(
            switch_link(
                "https://c.example",
                LinkValues {
                    account: "production",
                    role: "ops/Deploy",
                    ..LinkValues::default()
                }
            ),
            "https://c.example/switchrole?account=production&roleName=ops%2FDeploy"
        );
    }

    #[test]
    fn open_after_switching_is_a_page_of_this_console() {
        assert_eq!(
            switch_link(
                "http://localhost:3000",
                LinkValues {
                    account: "production",
                    role: "UpdateAPP",
                    redirect_uri: "/s3/buckets/productionapp?prefix=releases/",
                    ..LinkValues::default()
                }
            ),
            "http://localhost:3000/switchrole?account=production&roleName=UpdateAPP&redirect_uri=%2Fs3%2Fbuckets%2Fproductionapp%3Fprefix%3Dreleases%2F"
        );
        assert_eq!(open_after("/as/0a1b2c3d/s3").as_deref(), Some("/s3"));
        for hostile in ["https://evil.example/", "//evil.example", "s3/buckets"] {
            assert_eq!(open_after(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn the_email_holds_the_link() {
        let link = "http://localhost:3000/switchrole?account=1&roleName=R";
        let mail = mailto(link, "Prod");
        assert!(
            mail.starts_with("mailto:?subject=Switch%20role%20in%20Switchyard%3A%20Prod&body=")
        );
        assert!(mail.contains(&urlencode(link)));
    }
}
