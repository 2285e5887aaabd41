//! STS in AWS's Query protocol (form posts in, XML out, AWS's error codes), for requests signed
//! with a console user's access key: `GetCallerIdentity` and `AssumeRole` (with `SerialNumber`
//! and `TokenCode` checked against the user's authenticator app, so `aws:MultiFactorAuthPresent`
//! holds exactly when a valid code came with the call). An `AssumeRole` goes through the same
//! cloud boundary, engine, access grants and audit event (`SwitchRole`, marked `"via": "API"`)
//! as a switch in the console.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::sigv4::ReceivedRequest;
use super::{ApiCaller, ApiError, authenticate};
use crate::audit::{AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::cloud::{CloudError, HeldCredentials, SwitchRequest};
use crate::mfa::Purpose;
use crate::mfa::store::DeviceKind;
use crate::session::SignedInUser;
use crate::state::AppState;

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The longest form STS reads (AssumeRole with a full session policy is far below it).
pub const MAX_BODY: usize = 64 * 1024;

/// AWS's message when a code does not verify.
const MFA_FAILED: &str = "MultiFactorAuthentication failed with invalid MFA one time pass code.";

/// An answer: the HTTP status and the XML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsReply {
    pub status: u16,
    pub body: String,
}

/// Answers one STS request. `body` is the form the client posted; parameters in the query
/// string count too.
pub async fn handle(
    state: &AppState,
    request: &ReceivedRequest<'_>,
    body: &[u8],
    authorization: Option<&str>,
    client: ClientAddr,
) -> StsReply {
    let request_id = uuid::Uuid::new_v4().to_string();
    let result = async {
        let caller = authenticate(state, request, authorization, "sts", client).await?;
        let params = params(request.query, body);
        let action = params.get("Action").map(String::as_str).unwrap_or_default();
        match action {
            "GetCallerIdentity" => get_caller_identity(state, &caller, client).await,
            "AssumeRole" => assume_role(state, &caller, &params, client).await,
            "" => Err(ApiError::new(
                "MissingAction",
                400,
                "The request must name an Action.",
            )),
            other => Err(ApiError::new(
                "InvalidAction",
                400,
                format!("Could not find operation {other} for version 2011-06-15"),
            )),
        }
    }
    .await;
    match result {
        Ok((action, inner)) => StsReply {
            status: 200,
            body: format!(
                "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{inner}</{action}Result>\
                 <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
            ),
        },
        Err(error) => StsReply {
            status: error.status,
            body: error_body(error.code, &error.message, error.status >= 500),
        },
    }
}

/// An error in STS's XML shape; `receiver`: the server's fault rather than the caller's.
pub fn error_body(code: &str, message: &str, receiver: bool) -> String {
    let request_id = uuid::Uuid::new_v4();
    format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{}</Type><Code>{code}</Code>\
         <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        if receiver { "Receiver" } else { "Sender" },
        escape(message),
    )
}

/// The Query protocol's parameters: the query string's, then the form body's.
fn params(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut all: HashMap<String, String> = HashMap::new();
    for source in [query.unwrap_or_default().as_bytes(), body] {
        for (name, value) in url::form_urlencoded::parse(source) {
            all.insert(name.into_owned(), value.into_owned());
        }
    }
    all
}

type Answer = Result<(&'static str, String), ApiError>;

async fn get_caller_identity(state: &AppState, caller: &ApiCaller, client: ClientAddr) -> Answer {
    let user = state
        .directory
        .account(&caller.user.account_id)
        .and_then(|a| a.user(&caller.user.user_name))
        .ok_or_else(|| ApiError::access_denied("The user no longer exists."))?;
    // Every call of the API is in the audit trail, the harmless ones too: a key in use is
    // something its owner and the administrators can see.
    let event = AuditEvent::new("GetCallerIdentity", Decision::Allowed)
        .actor(caller.arn())
        .account(&caller.user.account_id)
        .client(client)
        .detail(json!({ "via": "API", "signed_with": caller.access_key_id }));
    record(state, event).await?;
    Ok((
        "GetCallerIdentity",
        format!(
            "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
            escape(&caller.arn()),
            escape(user.user_id()),
            escape(&caller.user.account_id),
        ),
    ))
}

async fn assume_role(
    state: &AppState,
    caller: &ApiCaller,
    params: &HashMap<String, String>,
    client: ClientAddr,
) -> Answer {
    let required = |name: &str| {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                    lower_first(name)
                ))
            })
    };
    let optional = |name: &str| params.get(name).filter(|v| !v.is_empty()).cloned();
    let role_arn = required("RoleArn")?;
    let session_name = required("RoleSessionName")?;
    let duration = match optional("DurationSeconds") {
        None => None,
        Some(text) => match text.parse::<u64>() {
            Ok(seconds) if (900..=43_200).contains(&seconds) => Some(Duration::from_secs(seconds)),
            _ => {
                return Err(ApiError::invalid(
                    "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
                ));
            }
        },
    };
    let mfa_authenticated_at = match (optional("SerialNumber"), optional("TokenCode")) {
        (None, None) => None,
        (Some(serial), Some(code)) => Some(check_mfa(state, caller, &serial, &code, client).await?),
        _ => {
            return Err(ApiError::invalid(
                "SerialNumber and TokenCode go together: give both or neither.",
            ));
        }
    };
    let user = SignedInUser::new(&caller.user.account_id, &caller.user.user_name);
    let grant = crate::switching::grant_for(state, &user, client, &role_arn)
        .await
        .map_err(|e| {
            tracing::error!("API AssumeRole: access grants: {e}");
            ApiError::internal()
        })?;
    let request = SwitchRequest {
        caller_arn: caller.arn(),
        role_arn: role_arn.clone(),
        session_name,
        // As in the console, the user's own name when the call gives none: whatever is done
        // with the role can be traced to the person.
        source_identity: optional("SourceIdentity").unwrap_or_else(|| user.user_name.clone()),
        mfa_authenticated_at,
        source_ip: client.0,
        duration,
        token_code: None,
        granted: iam::grants::policies(grant.as_slice()),
        not_after: grant.as_ref().map(|g| g.ends_at),
        external_id: optional("ExternalId"),
        session_policy: optional("Policy"),
    };
    let context = crate::simulator::recorded_context(mfa_authenticated_at, crate::clock::now_utc());
    let event = |decision| {
        AuditEvent::new("SwitchRole", decision)
            .actor(caller.arn())
            .account(&caller.user.account_id)
            .client(client)
    };
    match state.cloud.assume_role(&request).await {
        Ok(credentials) => {
            let mut detail = json!({
                "via": "API",
                "signed_with": caller.access_key_id,
                "role_arn": role_arn,
                "assumed_role_arn": credentials.assumed_role_arn,
                "access_key_id": credentials.access_key_id,
                "expires_at": credentials.expiration,
                "backend": state.cloud.name(),
                "context": context,
            });
            if let Some(grant) = &grant {
                detail["access_grant"] = grant.id.into();
                // Revoking the grant ends these credentials too, as it ends a console switch's.
                if let Err(e) = state
                    .access_requests
                    .record_session(grant.id, &credentials.access_key_id)
                    .await
                {
                    tracing::error!("API AssumeRole: recording the grant's session: {e}");
                    if let Err(e) = state
                        .cloud
                        .revoke_access_key(&credentials.access_key_id)
                        .await
                    {
                        tracing::error!("API AssumeRole: revoking unrecorded credentials: {e}");
                    }
                    return Err(ApiError::internal());
                }
            }
            record(state, event(Decision::Allowed).detail(detail)).await?;
            Ok((
                "AssumeRole",
                credentials_xml(&credentials, &request.source_identity)?,
            ))
        }
        Err(error) => {
            let mut detail = match &error {
                CloudError::Denied { detail } => detail.clone(),
                other => json!({ "role_arn": role_arn, "error": other.to_string() }),
            };
            if let serde_json::Value::Object(map) = &mut detail {
                map.insert("via".into(), "API".into());
                map.insert("signed_with".into(), caller.access_key_id.clone().into());
                map.insert("context".into(), context);
            }
            record(state, event(Decision::Denied).detail(detail)).await?;
            Err(match error {
                CloudError::Denied { .. } => ApiError::access_denied(format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                    caller.arn()
                )),
                CloudError::Invalid(message) => ApiError::invalid(message),
                CloudError::Unavailable(message) => {
                    tracing::error!("API AssumeRole: {message}");
                    ApiError::internal()
                }
                other => ApiError::access_denied(other.to_string()),
            })
        }
    }
}

/// The moment of a valid code from the caller's authenticator app named by `serial`
/// (`arn:aws:iam::ACCOUNT:mfa/NAME`), or AccessDenied as AWS words it.
async fn check_mfa(
    state: &AppState,
    caller: &ApiCaller,
    serial: &str,
    code: &str,
    client: ClientAddr,
) -> Result<OffsetDateTime, ApiError> {
    let devices = state.mfa.store.devices(&caller.user).await.map_err(|e| {
        tracing::error!("API MFA: {e}");
        ApiError::internal()
    })?;
    let named = devices.iter().any(|d| {
        d.kind == DeviceKind::Totp
            && types::mfa::mfa_device_arn(&caller.user.account_id, &d.name) == serial
    });
    if !named {
        return Err(ApiError::access_denied(MFA_FAILED));
    }
    crate::mfa::verify_totp(state, &caller.user, code, Some(client), Purpose::StepUp)
        .await
        .map_err(|_| ApiError::access_denied(MFA_FAILED))?;
    Ok(crate::clock::now_utc())
}

fn credentials_xml(
    credentials: &HeldCredentials,
    source_identity: &str,
) -> Result<String, ApiError> {
    let expiration = OffsetDateTime::from_unix_timestamp(credentials.expiration)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(ApiError::internal)?;
    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION → ROLE-ID:SESSION is AWS's; the ARN's
    // last two parts serve as the assumed role ID here.
    let assumed_id = credentials
        .assumed_role_arn
        .split_once("assumed-role/")
        .map(|(_, rest)| rest.replacen('/', ":", 1))
        .unwrap_or_default();
    Ok(format!(
        "<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
         <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
         <AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
         <SourceIdentity>{}</SourceIdentity>",
        escape(&credentials.access_key_id),
        escape(&credentials.secret_access_key),
        escape(&credentials.session_token),
        expiration,
        escape(&assumed_id),
        escape(&credentials.assumed_role_arn),
        escape(source_identity),
    ))
}

async fn record(state: &AppState, event: AuditEvent) -> Result<(), ApiError> {
    state.audit.append(event).await.map_err(|e| {
        tracing::error!("audit: {e}");
        ApiError::internal()
    })
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Text for an XML element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
