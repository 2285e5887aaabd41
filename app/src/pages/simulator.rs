//! The policy simulator, for console administrators: a principal of the directory (a user, or
//! a role session of a role), an action, a resource and a context, decided by the same engine
//! call as `switchyard simulate --directory`. The answer shows each policy that took part
//! with the statements the decision used highlighted. The inputs live in the URL (a GET
//! form), so a simulation works without scripts and can be shared; "Explain" in the audit
//! trail links here with the event's number.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::simulator::load_simulator;
use crate::components::copy_button::CopyButton;
use crate::components::explanation::ExplanationLines;
use crate::components::page::{ErrorAlert, PageHeader};
use types::simulator::{
    ParticipantView, ReplayedEvent, SimulationResult, SimulatorInput, SimulatorView,
};

#[component]
pub fn SimulatorPage() -> impl IntoView {
    let params = use_query_map();
    let input = move || {
        params.with(|q| {
            let text = |name: &str| q.get(name).unwrap_or_default();
            SimulatorInput {
                principal: text("principal"),
                action: text("action"),
                resource: text("resource"),
                mfa: matches!(text("mfa").as_str(), "true" | "on"),
                mfa_age: text("mfa_age"),
                source_ip: text("source_ip"),
                time: text("time"),
                context: text("context"),
                event: text("event"),
            }
        })
    };
    let data = Resource::new(input, load_simulator);
    view! {
        <Title text="Policy simulator" />
        <PageHeader eyebrow="Administration" title="Policy simulator">
            "Ask the IAM engine about any request: the decision, every policy that took part, and the statements it used. The same engine decides every switch and object request."
        </PageHeader>
        <Suspense fallback=|| view! { <p class="muted">"Simulating…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Simulator page /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Simulator(page: SimulatorView) -> impl IntoView {
    let SimulatorView {
        input,
        principals,
        actions,
        resources,
        result,
        error,
        event,
    } = page;
    let share = input.is_complete().then(|| input.url());
    view! {
        <section class="card" aria-labelledby="simulator-form-heading">
            <h2 id="simulator-form-heading">"Request"</h2>
            <form method="get" action="/simulate" class="simulator-form">
                <label for="sim-principal">
                    <span>"Principal"</span>
                    <input id="sim-principal" name="principal" list="sim-principals" class="mono" required
                        value=input.principal.clone() placeholder="arn:aws:iam::111122223333:user/alice" />
                </label>
                <datalist id="sim-principals">
                    {principals.into_iter().map(|p| view! { <option value=p.arn>{p.label}</option> }).collect_view()}
                </datalist>
                <label for="sim-action">
                    <span>"Action"</span>
                    <input id="sim-action" name="action" list="sim-actions" class="mono" required
                        value=input.action.clone() placeholder="sts:AssumeRole" />
                </label>
                <datalist id="sim-actions">
                    {actions.into_iter().map(|a| view! { <option value=a /> }).collect_view()}
                </datalist>
                <label for="sim-resource">
                    <span>"Resource ARN"</span>
                    <input id="sim-resource" name="resource" list="sim-resources" class="mono" required
                        value=input.resource.clone() placeholder="arn:aws:iam::123456789012:role/UpdateAPP" />
                </label>
                <datalist id="sim-resources">
                    {resources.into_iter().map(|r| view! { <option value=r /> }).collect_view()}
                </datalist>
                <fieldset class="simulator-context">
                    <legend>"Context"</legend>
                    <label class="checkbox" for="sim-mfa">
                        <input id="sim-mfa" type="checkbox" name="mfa" value="true" checked=input.mfa />
                        <span>"MFA present"</span>
                    </label>
                    <label for="sim-mfa-age">
                        <span>"MFA age (seconds)"</span>
                        <input id="sim-mfa-age" name="mfa_age" inputmode="numeric" value=input.mfa_age.clone() placeholder="60" />
                    </label>
                    <label for="sim-source-ip">
                        <span>"Source IP"</span>
                        <input id="sim-source-ip" name="source_ip" class="mono" value=input.source_ip.clone() placeholder="203.0.113.7" />
                    </label>
                    <label for="sim-time">
                        <span>"Time (RFC 3339, empty: now)"</span>
                        <input id="sim-time" name="time" class="mono" value=input.time.clone() placeholder="2026-12-01T09:30:00Z" />
                    </label>
                    <label for="sim-context" class="wide">
                        <span>"Other context keys (one key=value per line)"</span>
                        <textarea id="sim-context" name="context" class="mono" rows="3"
                            placeholder="aws:PrincipalTag/team=app">{input.context.clone()}</textarea>
                    </label>
                </fieldset>
                <div class="filter-actions">
                    <button type="submit" class="button primary">"Simulate"</button>
                    <a class="button" href="/simulate">"Clear"</a>
                    {share.map(|href| view! { <a class="button" href=href>"Link to this simulation"</a> })}
                </div>
            </form>
        </section>
        {error.map(|message| view! { <div class="alert error" role="alert">{message}</div> })}
        {event.map(|event| view! { <Replayed event /> })}
        {result.map(|result| view! { <ResultView result /> })}
    }
}

#[component]
fn Replayed(event: ReplayedEvent) -> impl IntoView {
    let verdict = if event.same_today {
        "Today's policies decide the same."
    } else {
        "Today's policies decide differently."
    };
    let class = if event.same_today {
        "alert info"
    } else {
        "alert warning"
    };
    view! {
        <section class=class role="region" aria-label="Audit event">
            <p>
                <strong>{format!("Audit event {}: {} {}", event.id, event.action, event.decision)}</strong>
                {format!(" at {}. ", event.at)}
                {verdict}
            </p>
            {event.caveat.map(|c| view! { <p class="small">{c}</p> })}
        </section>
    }
}

#[component]
fn ResultView(result: SimulationResult) -> impl IntoView {
    let class = if result.decision == "Allowed" {
        "decision-allowed"
    } else {
        "decision-denied"
    };
    view! {
        <section class="card" role="region" aria-label="Result">
            <h2>"Decision: " <span class=format!("badge {class}")>{result.decision.clone()}</span></h2>
            <h3>"Explanation"</h3>
            {if result.lines.is_empty() {
                view! { <p class="muted">"No statement of any policy matched this request."</p> }.into_any()
            } else {
                view! { <ExplanationLines lines=result.lines /> }.into_any()
            }}
            <h3>"Policies that took part"</h3>
            <p class="muted small">"Green: an Allow that applied. Red: a Deny that applied. Amber: a statement whose condition was not met."</p>
            {result.policies.into_iter().map(|policy| view! { <PolicyView policy /> }).collect_view()}
        </section>
    }
}

#[component]
pub fn PolicyView(policy: ParticipantView) -> impl IntoView {
    let ParticipantView {
        label,
        kind,
        document,
    } = policy;
    view! {
        <article class="policy-document" aria-label=label.clone()>
            <h4>{label.clone()} <span class="muted small">{format!(" · {kind}")}</span></h4>
            <PolicyJson document />
        </article>
    }
}

/// A policy document with its statements marked, and its ARNs with copy buttons.
#[component]
pub fn PolicyJson(document: types::simulator::PolicyDocumentView) -> impl IntoView {
    view! {
        <pre class="policy-json">
            {document.head}"\n"
            {document.statements.into_iter().map(|s| {
                let class = format!("statement {}", s.mark);
                view! {
                    <span class=class>
                        {s.note.map(|note| view! { <span class="statement-note">{format!("    // {note}")}"\n"</span> })}
                        {s.json}
                    </span>
                    "\n"
                }
            }).collect_view()}
            {document.tail}
        </pre>
        {(!document.arns.is_empty()).then(|| view! {
            <ul class="arn-list" aria-label="ARNs in this policy">
                {document.arns.into_iter().map(|arn| {
                    let what = format!("ARN {arn}");
                    view! { <li><code>{arn.clone()}</code> <CopyButton value=arn what /></li> }
                }).collect_view()}
            </ul>
        })}
    }
}
