//! The server's TLS clients, on rustls with its ring provider: push's SMTP relay (STARTTLS or
//! implicit TLS) and `https://` webhooks, and PostgreSQL. One place reads CA files and builds the
//! client configurations.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// What a client checks of the server's certificate.
pub enum Verify {
    /// Its chain to one of the roots and that it names the host connected to (as browsers do).
    ChainAndName(RootCertStore),
    /// Its chain to one of the roots, whatever host it names (libpq's `sslmode=verify-ca`).
    Chain(RootCertStore),
    /// Nothing: the connection is encrypted, but to whoever answers (libpq's `sslmode=require`
    /// without a root certificate). The handshake's signatures are still checked.
    Nothing,
}

/// The crypto provider of every TLS client of the server.
pub fn provider() -> Arc<CryptoProvider> {
    // rustls 0.23.48 deprecates its ring provider for lacking post-quantum key exchange; the other
    // (aws-lc-rs) builds a large C library. For mail, webhooks and a database, X25519 and P-256 do.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    Arc::new(provider)
}

/// The certificates to trust: the Mozilla roots of webpki-roots when `public`, and the PEM
/// certificates of `ca_file` when given. An error names the file.
pub fn root_store(ca_file: Option<&Path>, public: bool) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    if public {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(path) = ca_file {
        let shown = path.display();
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(|error| format!("{shown}: {error}"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("{shown}: {error}"))?;
        if certificates.is_empty() {
            return Err(format!("{shown}: no PEM certificate in it"));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|error| format!("{shown}: {error}"))?;
        }
    }
    Ok(roots)
}

/// A client configuration that checks servers as `verify` says.
pub fn client_config(verify: Verify) -> Result<rustls::ClientConfig, String> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?;
    let chain = |roots: RootCertStore| {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|error| error.to_string())
    };
    let config = match verify {
        Verify::ChainAndName(roots) => builder.with_webpki_verifier(chain(roots)?),
        Verify::Chain(roots) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly(chain(roots)?))),
        Verify::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider.clone()))),
    };
    Ok(config.with_no_client_auth())
}

/// A client that checks the chain and the host name against the public roots and the
/// certificates of `ca_file` when given (errors name it as `flag`): the SMTP relay (`--smtp-ca`)
/// and `https://` webhooks (`--webhook-ca`).
pub fn public_client_config(
    ca_file: Option<&Path>,
    flag: &str,
) -> Result<rustls::ClientConfig, String> {
    let roots = root_store(ca_file, true).map_err(|error| format!("{flag} {error}"))?;
    client_config(Verify::ChainAndName(roots))
}

/// `Verify::Chain`: rustls' own verifier, its one complaint about the host name ignored (it checks
/// the name only once the chain is valid).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `Verify::Nothing`: any certificate, with the handshake signed by its key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
