//! The engine's explanation of one decision, line by line: which policy and statement, and
//! what it did. Shared by the access map and the policy simulator.

use leptos::prelude::*;
use types::access_map::ExplanationLine;

#[component]
pub fn ExplanationLines(lines: Vec<ExplanationLine>) -> impl IntoView {
    view! {
        <ul class="permission-list">
            {lines.into_iter().map(|line| {
                // A statement whose condition failed did not apply: its effect is not the
                // line's outcome.
                let (class, badge) = match (line.effect.as_deref(), line.applied) {
                    (Some("Allow"), true) => ("allow", "Allow".to_string()),
                    (Some("Deny"), true) => ("deny", "Deny".to_string()),
                    (Some(effect), false) => ("note", format!("{effect} not applied")),
                    _ => ("note", "Note".to_string()),
                };
                view! {
                    <li class=class>
                        <span class="badge">{badge}</span>
                        <p>
                            {line.policy.clone().map(|p| view! { <strong>{p}</strong> })}
                            {line.statement.clone().map(|s| view! { " " <span class="mono">{s}</span> })}
                            {line.policy.is_some().then_some(": ")}
                            {line.message.clone()}
                        </p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
