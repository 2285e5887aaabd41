//! "Open in AWS console": the AWS federation endpoint turns the held role session's
//! credentials into a sign-in token (getSigninToken), and a login URL with that token signs the
//! browser into the AWS Management Console as the role session.
//!
//! The credentials go only from this server to AWS. The browser gets the login URL, whose
//! token is good for one sign-in within 15 minutes: that is the point of the feature, and the
//! one thing derived from the credentials that leaves the server.

use serde::Deserialize;
use serde_json::json;

use crate::cloud::{CloudError, HeldCredentials};

pub(crate) const AWS_FEDERATION_ENDPOINT: &str = "https://signin.aws.amazon.com/federation";
pub(crate) const AWS_CONSOLE: &str = "https://console.aws.amazon.com/";

/// AWS's longest console session for a federation sign-in.
const MAX_CONSOLE_SESSION_SECS: i64 = 43_200;

pub(crate) struct Federation {
    endpoint: reqwest::Url,
    destination: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct SigninToken {
    #[serde(rename = "SigninToken")]
    signin_token: String,
}

impl Federation {
    pub(crate) fn new(endpoint: &str, destination: &str) -> Result<Federation, CloudError> {
        let endpoint = reqwest::Url::parse(endpoint)
            .map_err(|e| CloudError::Invalid(format!("federation endpoint: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CloudError::Unavailable(format!("federation client: {e}")))?;
        Ok(Federation {
            endpoint,
            destination: destination.to_string(),
            http,
        })
    }

    pub(crate) async fn sign_in_url(
        &self,
        credentials: &HeldCredentials,
        issuer: &str,
    ) -> Result<String, CloudError> {
        let session = json!({
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        })
        .to_string();
        // The AWS console session ends when the console's hold on the role does (its expiry
        // includes `role_session_limit`), or 15 minutes from now, AWS's minimum.
        let left = credentials.expiration - crate::clock::now_utc().unix_timestamp();
        let session_duration = left.clamp(
            super::AWS_MIN_SESSION.as_secs() as i64,
            MAX_CONSOLE_SESSION_SECS,
        );
        let mut request = self.endpoint.clone();
        request
            .query_pairs_mut()
            .append_pair("Action", "getSigninToken")
            .append_pair("SessionDuration", &session_duration.to_string())
            .append_pair("Session", &session);
        // Errors are reported without the URL: its query holds the credentials.
        let response =
            self.http.get(request).send().await.map_err(|e| {
                CloudError::Unavailable(format!("getSigninToken: {}", e.without_url()))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(if status.as_u16() == 400 || status.as_u16() == 403 {
                // AWS answers 400 for credentials it does not accept (expired, revoked).
                CloudError::Expired
            } else {
                CloudError::Unavailable(format!("getSigninToken answered {status}"))
            });
        }
        let token: SigninToken = response.json().await.map_err(|e| {
            CloudError::Unavailable(format!("getSigninToken reply: {}", e.without_url()))
        })?;
        let mut login = self.endpoint.clone();
        login
            .query_pairs_mut()
            .append_pair("Action", "login")
            .append_pair("Issuer", issuer)
            .append_pair("Destination", &self.destination)
            .append_pair("SigninToken", &token.signin_token);
        Ok(login.to_string())
    }
}
