//! Uploads the report to a Google Drive folder with google-drive3, signed in as a service
//! account by yup-oauth2. The key file names the token endpoint (its `token_uri`) and the
//! configuration names Drive's root URL, so both can point at local fakes.

use std::error::Error;
use std::path::{Path, PathBuf};

use google_drive3::DriveHub;
use google_drive3::api::File;
use google_drive3::hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use google_drive3::hyper_util::client::legacy::{Client, connect::HttpConnector};
use google_drive3::hyper_util::rt::TokioExecutor;

const SCOPE: &str = "https://www.googleapis.com/auth/drive.file";

pub struct Drive {
    hub: DriveHub<HttpsConnector<HttpConnector>>,
    folder: String,
}

/// A file uploaded: its name and the link Drive gave it.
pub struct Uploaded {
    pub name: String,
    pub link: String,
}

impl Drive {
    /// Reads the service account's key file; the token is fetched at the first upload.
    pub async fn new(
        credentials: &Path,
        root_url: &str,
        folder: &str,
    ) -> Result<Self, Box<dyn Error>> {
        let key = yup_oauth2::read_service_account_key(credentials)
            .await
            .map_err(|e| format!("reading {}: {e}", credentials.display()))?;
        let auth = yup_oauth2::ServiceAccountAuthenticator::builder(key)
            .build()
            .await?;
        // https_or_http: Google is https; a local fake is plain http.
        let connector = HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let mut hub = DriveHub::new(client, auth);
        let root = format!("{}/", root_url.trim_end_matches('/'));
        hub.base_url(format!("{root}drive/v3/"));
        hub.root_url(root);
        Ok(Self {
            hub,
            folder: folder.to_string(),
        })
    }

    /// Uploads `files` in order into the folder; the first failure stops it, and says which
    /// file and what Drive answered.
    pub async fn upload(&self, files: &[PathBuf]) -> Result<Vec<Uploaded>, String> {
        let mut uploaded = Vec::new();
        for path in files {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let content = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
            let metadata = File {
                name: Some(name.clone()),
                parents: Some(vec![self.folder.clone()]),
                ..File::default()
            };
            let (_, file) = self
                .hub
                .files()
                .create(metadata)
                .param("fields", "id,name,webViewLink")
                .add_scope(SCOPE)
                .upload(content, mime_of(path))
                .await
                .map_err(|e| format!("{name}: {}", explain(&e)))?;
            let link = file
                .web_view_link
                .unwrap_or_else(|| format!("id {}", file.id.unwrap_or_default()));
            uploaded.push(Uploaded { name, link });
        }
        Ok(uploaded)
    }
}

fn mime_of(path: &Path) -> mime::Mime {
    match path.extension().and_then(|x| x.to_str()) {
        Some("json") => mime::APPLICATION_JSON,
        Some("svg") => mime::IMAGE_SVG,
        Some("md") => "text/markdown".parse().expect("a valid MIME type"),
        _ => mime::APPLICATION_OCTET_STREAM,
    }
}

/// Drive's answer in one line: its HTTP status and message where it sent them.
fn explain(e: &google_drive3::Error) -> String {
    match e {
        google_drive3::Error::BadRequest(body) => format!(
            "Drive answered HTTP {}: {}",
            body["error"]["code"],
            body["error"]["message"].as_str().unwrap_or("no message")
        ),
        google_drive3::Error::Failure(response) => {
            format!("Drive answered HTTP {}", response.status())
        }
        other => other.to_string().trim().to_string(),
    }
}
