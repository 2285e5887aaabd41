//! The policy parser on arbitrary bytes; whatever parses is also evaluated,
//! so the matcher and condition code see strange compiled policies too.
#![no_main]

use iam::{PolicyKind, PolicySet, Principal, Request, RequestContext, evaluate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let principal = Principal::from_arn("arn:aws:sts::111122223333:assumed-role/R/s").ok();
    let mut context = RequestContext::new();
    context.insert("aws:username", "alice");
    context.insert("aws:SourceIp", "203.0.113.9");
    context.insert("aws:CurrentTime", "2025-01-31T12:00:00Z");
    context.insert("aws:TagKeys", vec!["a".to_owned(), "b".to_owned()]);
    for kind in [
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::Trust,
        PolicyKind::Session,
    ] {
        let Ok(policy) = iam::Policy::parse(text, kind, usize::MAX) else {
            continue;
        };
        let named = iam::NamedPolicy::new("fuzz", policy);
        let Some(principal) = &principal else {
            continue;
        };
        let set = match kind {
            PolicyKind::Resource | PolicyKind::Trust => PolicySet {
                resource: Some(&named),
                ..PolicySet::default()
            },
            _ => PolicySet {
                identity: std::slice::from_ref(&named),
                ..PolicySet::default()
            },
        };
        for (action, resource) in [
            ("s3:GetObject", "arn:aws:s3:::b/k"),
            ("sts:AssumeRole", "arn:aws:iam::1:role/R"),
            ("x", "*"),
        ] {
            let request = Request {
                principal,
                action,
                resource,
                resource_account: None,
                context: &context,
            };
            let _ = evaluate(&request, &set);
        }
    }
});
