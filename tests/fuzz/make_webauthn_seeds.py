#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/fuzz_webauthn.cpp into corpus/fuzz_webauthn/.

The seeds follow the structure of the public WebAuthn vectors (../shared/testdata/webauthn: W3C
L3 test vectors, py_webauthn, SimpleWebAuthn) but are made here with fresh keys and certificates,
so no vector is copied: every attestation format (none, packed self and x5c, fido-u2f, tpm with
ECC and RSA keys, android-key, apple), every COSE algorithm, authenticator data with extensions,
clientDataJSON variants and raw CBOR. Each seed starts with the mode byte fuzz_webauthn.cpp reads.
Needs /usr/bin/python3 and python3-cryptography. Usage: tests/fuzz/make_webauthn_seeds.py
"""

import datetime
import hashlib
import os
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_webauthn")
RP_ID = b"example.org"
# Shared with fuzz_webauthn.cpp.
CREATE = b'{"type":"webauthn.create","challenge":"ZnV6eiBjaGFsbGVuZ2U","origin":"https://example.org"}'
CDH = hashlib.sha256(CREATE).digest()


# ---- CBOR encoder (definite lengths)

def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(n)


def cbor(v):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        return head(3, len(v.encode())) + v.encode()
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor(i) for i in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


# ---- keys

def cose(pub, alg):
    if isinstance(pub, ec.EllipticCurvePublicKey):
        n = pub.public_numbers()
        size = (pub.curve.key_size + 7) // 8
        crv = {256: 1, 384: 2, 521: 3}[pub.curve.key_size]
        return cbor({1: 2, 3: alg, -1: crv, -2: n.x.to_bytes(size, "big"), -3: n.y.to_bytes(size, "big")})
    if isinstance(pub, rsa.RSAPublicKey):
        n = pub.public_numbers()
        return cbor({1: 3, 3: alg, -1: n.n.to_bytes((n.n.bit_length() + 7) // 8, "big"), -2: n.e.to_bytes(3, "big")})
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return cbor({1: 1, 3: alg, -1: 6 if len(raw) == 32 else 7, -2: raw})


def sign(key, alg, data):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        h = {-7: hashes.SHA256(), -35: hashes.SHA384(), -36: hashes.SHA512()}[alg]
        return key.sign(data, ec.ECDSA(h))
    if isinstance(key, rsa.RSAPrivateKey):
        if alg == -37:
            return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA_NAME = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "AA"),
                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "loginid-cpp fuzz seeds"),
                     x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation CA"),
                     x509.NameAttribute(NameOID.COMMON_NAME, "fuzz root")])
NOT_BEFORE = datetime.datetime(2024, 1, 1)
NOT_AFTER = datetime.datetime(3024, 1, 1)


def certificate(subject, public_key, ca=False, extensions=()):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(CA_NAME).public_key(public_key)
         .serial_number(x509.random_serial_number()).not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    for ext, critical in extensions:
        b = b.add_extension(ext, critical=critical)
    return b.sign(CA_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


ROOT = certificate(CA_NAME, CA_KEY.public_key(), ca=True)
ATTESTATION_SUBJECT = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "AA"),
                                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, "loginid-cpp fuzz seeds"),
                                 x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "fuzz authenticator")])


# ---- WebAuthn structures

def auth_data(flags, count=0, cred_id=b"", cose_key=b"", ext=b"", aaguid=bytes(range(16))):
    out = hashlib.sha256(RP_ID).digest() + bytes([flags]) + struct.pack(">I", count)
    if flags & 0x40:
        out += aaguid + struct.pack(">H", len(cred_id)) + cred_id + cose_key
    return out + ext


def attestation_object(fmt, stmt, ad):
    return cbor({"fmt": fmt, "attStmt": stmt, "authData": ad})


def credential(key, alg, cred_id=b"\x42" * 32, flags=0x45, ext=b""):
    return auth_data(flags, 0, cred_id, cose(key.public_key(), alg), ext)


def der(tag, content):
    n = len(content)
    length = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return tag + length + content


def tpm2b(b):
    return struct.pack(">H", len(b)) + b


def tpm_object(key, alg_name):
    pub = key.public_key()
    if alg_name == "ecc":
        n = pub.public_numbers()
        pub_area = (struct.pack(">HHI", 0x0023, 0x000B, 0x00060472) + tpm2b(b"") +
                    struct.pack(">HHHH", 0x0010, 0x0010, 0x0003, 0x0010) +
                    tpm2b(n.x.to_bytes(32, "big")) + tpm2b(n.y.to_bytes(32, "big")))
        cred_alg = -7
    else:
        n = pub.public_numbers()
        pub_area = (struct.pack(">HHI", 0x0001, 0x000B, 0x00060472) + tpm2b(b"") +
                    struct.pack(">HHHI", 0x0010, 0x0010, 2048, 0) + tpm2b(n.n.to_bytes(256, "big")))
        cred_alg = -257
    ad = credential(key, cred_alg)
    aik = ec.generate_private_key(ec.SECP256R1())
    cert_info = (b"\xffTCG" + struct.pack(">H", 0x8017) + tpm2b(b"\x00\x0b" + bytes(32)) +
                 tpm2b(hashlib.sha256(ad + CDH).digest()) + bytes(17) + bytes(8) +
                 tpm2b(b"\x00\x0b" + hashlib.sha256(pub_area).digest()) + tpm2b(b"\x00\x0b" + bytes(32)))
    san = x509.SubjectAlternativeName([x509.DirectoryName(x509.Name([
        x509.NameAttribute(x509.ObjectIdentifier("2.23.133.2.1"), "id:00000000"),
        x509.NameAttribute(x509.ObjectIdentifier("2.23.133.2.2"), "fuzz"),
        x509.NameAttribute(x509.ObjectIdentifier("2.23.133.2.3"), "id:00000000")]))])
    eku = x509.ExtendedKeyUsage([x509.ObjectIdentifier("2.23.133.8.3")])
    aik_cert = certificate(x509.Name([]), aik.public_key(), extensions=((san, True), (eku, False)))
    stmt = {"ver": "2.0", "alg": -7, "x5c": [aik_cert], "sig": sign(aik, -7, cert_info),
            "certInfo": cert_info, "pubArea": pub_area}
    return attestation_object("tpm", stmt, ad)


def android_key_object():
    key = ec.generate_private_key(ec.SECP256R1())
    ad = credential(key, -7)
    tee = der(b"\xa1", der(b"\x31", der(b"\x02", b"\x02"))) + der(b"\xbf\x85\x3e", der(b"\x02", b"\x00"))
    description = der(b"\x30", der(b"\x02", b"\x03") + der(b"\x0a", b"\x00") + der(b"\x02", b"\x04") +
                      der(b"\x0a", b"\x00") + der(b"\x04", CDH) + der(b"\x04", b"") + der(b"\x30", b"") +
                      der(b"\x30", tee))
    ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.1.17"), description)
    leaf = certificate(ATTESTATION_SUBJECT, key.public_key(), extensions=((ext, False),))
    return attestation_object("android-key", {"alg": -7, "sig": sign(key, -7, ad + CDH), "x5c": [leaf, ROOT]}, ad)


def apple_object():
    key = ec.generate_private_key(ec.SECP256R1())
    ad = credential(key, -7)
    nonce = der(b"\x30", der(b"\xa1", der(b"\x04", hashlib.sha256(ad + CDH).digest())))
    ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.840.113635.100.8.2"), nonce)
    leaf = certificate(ATTESTATION_SUBJECT, key.public_key(), extensions=((ext, False),))
    return attestation_object("apple", {"x5c": [leaf, ROOT]}, ad)


def packed_x5c_object():
    cred = ec.generate_private_key(ec.SECP256R1())
    attestation_key = ec.generate_private_key(ec.SECP256R1())
    ad = credential(cred, -7)
    aaguid = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4"), der(b"\x04", bytes(range(16))))
    leaf = certificate(ATTESTATION_SUBJECT, attestation_key.public_key(), extensions=((aaguid, False),))
    return attestation_object("packed", {"alg": -7, "sig": sign(attestation_key, -7, ad + CDH), "x5c": [leaf]}, ad)


def fido_u2f_object():
    cred = ec.generate_private_key(ec.SECP256R1())
    attestation_key = ec.generate_private_key(ec.SECP256R1())
    cred_id = b"\x07" * 64
    ad = credential(cred, -7, cred_id=cred_id, flags=0x41)
    n = cred.public_key().public_numbers()
    data = b"\x00" + hashlib.sha256(RP_ID).digest() + CDH + cred_id + b"\x04" + n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")
    cert = certificate(ATTESTATION_SUBJECT, attestation_key.public_key())
    return attestation_object("fido-u2f", {"sig": sign(attestation_key, -7, data), "x5c": [cert]}, ad)


def packed_self(key, alg, **kw):
    ad = credential(key, alg, **kw)
    return attestation_object("packed", {"alg": alg, "sig": sign(key, alg, ad + CDH)}, ad)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    seeds = {}
    p256 = ec.generate_private_key(ec.SECP256R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys = {"es256": (p256, -7), "es384": (ec.generate_private_key(ec.SECP384R1()), -35),
            "es512": (ec.generate_private_key(ec.SECP521R1()), -36),
            "eddsa": (ed25519.Ed25519PrivateKey.generate(), -8), "ed448": (ed448.Ed448PrivateKey.generate(), -53),
            "rs256": (rsa_key, -257), "ps256": (rsa_key, -37)}
    seeds["reg-none"] = b"\x00" + attestation_object("none", {}, credential(p256, -7))
    extensions = cbor({"credProtect": 2, "hmac-secret": True})
    seeds["reg-none-ext-backup"] = b"\x00" + attestation_object("none", {}, credential(p256, -7, flags=0xdd, ext=extensions))
    seeds["reg-none-long-id"] = b"\x00" + attestation_object("none", {}, credential(p256, -7, cred_id=b"\x01" * 1023))
    for name, (key, alg) in keys.items():
        seeds["reg-packed-self-" + name] = b"\x00" + packed_self(key, alg)
        seeds["cose-" + name] = b"\x02" + cose(key.public_key(), alg)
    attested = {"packed-x5c": packed_x5c_object(), "fido-u2f": fido_u2f_object(),
                "tpm-ecc": tpm_object(ec.generate_private_key(ec.SECP256R1()), "ecc"),
                "tpm-rsa": tpm_object(rsa_key, "rsa"), "android-key": android_key_object(), "apple": apple_object()}
    for name, obj in attested.items():
        seeds["reg-" + name] = b"\x00" + obj
        seeds["root-" + name] = b"\x06" + struct.pack(">H", len(ROOT)) + ROOT + obj
    seeds["assert-up"] = b"\x01" + auth_data(0x01, 8)
    seeds["assert-uv-ext"] = b"\x01" + auth_data(0x85, 9, ext=cbor({"credBlob": b"\x00\x01"}))
    seeds["assert-attested"] = b"\x01" + credential(p256, -7)
    for i, cdj in enumerate([
            CREATE,
            b'{"type":"webauthn.create","challenge":"ZnV6eiBjaGFsbGVuZ2U","origin":"https:\\/\\/example.org","androidPackageName":"a"}',
            b'\xef\xbb\xbf{"challenge":"ZnV6eiBjaGFsbGVuZ2U","origin":"https://example.org","type":"webauthn.create","crossOrigin":false}',
            b'{"type":"webauthn.create","challenge":"ZnV6eiBjaGFsbGVuZ2U","origin":"https://example.org","crossOrigin":true,"topOrigin":"https://top.example","extraData":{"a":[1,2,{"b":null}]}}']):
        seeds["cdj-%d" % i] = b"\x03" + cdj
        none = attestation_object("none", {}, credential(p256, -7))
        seeds["split-%d" % i] = b"\x04" + struct.pack(">H", len(cdj)) + cdj + none
    seeds["cbor-nested"] = b"\x05" + cbor({"a": [1, -2, b"x", "y", {3: [True, False]}], -7: {"z": [[[]]]}})
    seeds["cbor-null"] = b"\x05\xf6"
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s (largest %d bytes)" % (len(seeds), OUT, max(len(d) for d in seeds.values())))


if __name__ == "__main__":
    main()
