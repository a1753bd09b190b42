#include "server/token_signer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <set>
#include <stdexcept>
#include <string>

namespace server {
namespace {

const std::string kSecret = "0123456789abcdef-test-secret";
constexpr std::int64_t kNow = 1764040000;

Claims sample_claims(chat::Role role = chat::Role::viewer) {
  return Claims{"soy-sauce", role, "v_x3K9aQ2m", "小王", 0};
}

// A token in the documented format, signed with `secret`, whatever the claims JSON says.
std::string sign_raw(const std::string& secret, const std::string& claims_json) {
  std::string payload = base64url_encode(claims_json);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac.data(), &len);
  return payload + "." + base64url_encode({reinterpret_cast<const char*>(mac.data()), len});
}

class TokenSignerRoles : public testing::TestWithParam<chat::Role> {};

TEST_P(TokenSignerRoles, VerifyReturnsTheSignedClaims) {
  TokenSigner signer(kSecret);
  Claims in = sample_claims(GetParam());
  auto out = signer.verify(signer.sign(in), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->room, in.room);
  EXPECT_EQ(out->role, in.role);
  EXPECT_EQ(out->user_id, in.user_id);
  EXPECT_EQ(out->nick, in.nick);
  EXPECT_EQ(out->expires_at, 0);
}

INSTANTIATE_TEST_SUITE_P(EveryRole, TokenSignerRoles,
                         testing::Values(chat::Role::viewer, chat::Role::host,
                                         chat::Role::operator_, chat::Role::admin));

TEST(TokenSigner, RefusesASecretShorterThan16Bytes) {
  EXPECT_THROW(TokenSigner("short"), std::invalid_argument);
}

TEST(TokenSigner, TokenIsPayloadDotSignatureInBase64url) {
  TokenSigner signer(kSecret);
  std::string token = signer.sign(sample_claims());
  auto dot = token.find('.');
  ASSERT_NE(dot, std::string::npos);
  EXPECT_EQ(token.find('.', dot + 1), std::string::npos);
  EXPECT_TRUE(base64url_decode(token.substr(0, dot)).has_value());
  auto mac = base64url_decode(token.substr(dot + 1));
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(mac->size(), 32u);  // HMAC-SHA256
}

TEST(TokenSigner, KeepsTheExpiryTime) {
  TokenSigner signer(kSecret);
  Claims in = sample_claims();
  in.expires_at = kNow + 60;
  auto out = signer.verify(signer.sign(in), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->expires_at, kNow + 60);
}

TEST(TokenSigner, AcceptsATokenBeforeItExpires) {
  TokenSigner signer(kSecret);
  Claims in = sample_claims();
  in.expires_at = kNow + 1;
  EXPECT_TRUE(signer.verify(signer.sign(in), kNow).has_value());
}

TEST(TokenSigner, RefusesATokenAtItsExpiryTime) {
  TokenSigner signer(kSecret);
  Claims in = sample_claims();
  in.expires_at = kNow;
  EXPECT_FALSE(signer.verify(signer.sign(in), kNow).has_value());
}

TEST(TokenSigner, RefusesAnExpiredToken) {
  TokenSigner signer(kSecret);
  Claims in = sample_claims();
  in.expires_at = kNow - 3600;
  EXPECT_FALSE(signer.verify(signer.sign(in), kNow).has_value());
}

TEST(TokenSigner, RefusesATokenSignedWithAnotherSecret) {
  TokenSigner signer(kSecret);
  TokenSigner other("another-secret-of-enough-bytes");
  EXPECT_FALSE(signer.verify(other.sign(sample_claims()), kNow).has_value());
}

TEST(TokenSigner, RefusesATamperedPayload) {
  TokenSigner signer(kSecret);
  std::string token = signer.sign(sample_claims(chat::Role::viewer));
  auto dot = token.find('.');
  // The same signature on a payload claiming the host role.
  std::string forged_payload =
      base64url_encode(R"({"room":"soy-sauce","role":"host","sub":"v_x3K9aQ2m","nick":"小王"})");
  EXPECT_FALSE(signer.verify(forged_payload + token.substr(dot), kNow).has_value());
}

TEST(TokenSigner, RefusesAPayloadWithOneCharacterChanged) {
  TokenSigner signer(kSecret);
  std::string token = signer.sign(sample_claims());
  for (std::size_t i = 0; i < token.find('.'); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(signer.verify(tampered, kNow).has_value()) << "position " << i;
  }
}

TEST(TokenSigner, RefusesATamperedSignature) {
  TokenSigner signer(kSecret);
  std::string token = signer.sign(sample_claims());
  for (std::size_t i = token.find('.') + 1; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(signer.verify(tampered, kNow).has_value()) << "position " << i;
  }
}

TEST(TokenSigner, RefusesATruncatedToken) {
  TokenSigner signer(kSecret);
  std::string token = signer.sign(sample_claims());
  for (std::size_t n = 0; n < token.size(); ++n)
    EXPECT_FALSE(signer.verify(token.substr(0, n), kNow).has_value()) << "length " << n;
}

TEST(TokenSigner, RefusesATokenWithSomethingAppended) {
  TokenSigner signer(kSecret);
  std::string token = signer.sign(sample_claims());
  for (std::string tail : {"A", ".", ".x", "=", " "})
    EXPECT_FALSE(signer.verify(token + tail, kNow).has_value()) << tail;
}

class TokenSignerGarbage : public testing::TestWithParam<std::string> {};

TEST_P(TokenSignerGarbage, IsRefused) {
  TokenSigner signer(kSecret);
  EXPECT_FALSE(signer.verify(GetParam(), kNow).has_value());
}

INSTANTIATE_TEST_SUITE_P(Table, TokenSignerGarbage,
                         testing::Values(std::string(""), std::string("."), std::string(".."),
                                         std::string("garbage"), std::string("a.b"),
                                         std::string("a.b.c"), std::string("Bearer x.y"),
                                         std::string("\0\0.\0", 4), std::string("eyJ9.!!!!"),
                                         std::string(2048, 'A'),
                                         std::string(1500, 'A') + "." + std::string(600, 'B')));

TEST(TokenSigner, RefusesALongTokenEvenWhenCorrectlySigned) {
  TokenSigner signer(kSecret);
  Claims in = sample_claims();
  in.nick = std::string(2048, 'n');
  EXPECT_FALSE(signer.verify(signer.sign(in), kNow).has_value());
}

struct SignedClaimsCase {
  const char* name;
  std::string json;
};
void PrintTo(const SignedClaimsCase& c, std::ostream* os) { *os << c.json; }

class TokenSignerSignedBadClaims : public testing::TestWithParam<SignedClaimsCase> {};

TEST_P(TokenSignerSignedBadClaims, AreRefusedDespiteAValidSignature) {
  TokenSigner signer(kSecret);
  EXPECT_FALSE(signer.verify(sign_raw(kSecret, GetParam().json), kNow).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Table, TokenSignerSignedBadClaims,
    testing::Values(
        SignedClaimsCase{"not_json", "not json"}, SignedClaimsCase{"array", R"(["room"])"},
        SignedClaimsCase{"unknown_role", R"({"room":"r","role":"owner","sub":"u","nick":"n"})"},
        SignedClaimsCase{"missing_role", R"({"room":"r","sub":"u","nick":"n"})"},
        SignedClaimsCase{"missing_room", R"({"role":"host","sub":"u","nick":"n"})"},
        SignedClaimsCase{"missing_sub", R"({"room":"r","role":"host","nick":"n"})"},
        SignedClaimsCase{"missing_nick", R"({"room":"r","role":"host","sub":"u"})"},
        SignedClaimsCase{"room_not_string", R"({"room":1,"role":"host","sub":"u","nick":"n"})"},
        SignedClaimsCase{"exp_string",
                         R"({"room":"r","role":"host","sub":"u","nick":"n","exp":"9"})"},
        SignedClaimsCase{"exp_past", R"({"room":"r","role":"host","sub":"u","nick":"n","exp":1})"}),
    [](const testing::TestParamInfo<SignedClaimsCase>& info) {
      return std::string(info.param.name);
    });

TEST(TokenSigner, AcceptsDocumentedFormatSignedElsewhere) {
  TokenSigner signer(kSecret);
  auto out = signer.verify(
      sign_raw(kSecret, R"({"room":"r","role":"operator","sub":"u","nick":"n"})"), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->role, chat::Role::operator_);
}

TEST(Base64url, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64url, UsesTheUrlSafeAlphabet) { EXPECT_EQ(base64url_encode("\xFB\xFF\xBF"), "-_-_"); }

TEST(Base64url, RoundTripsEveryLengthUpTo64) {
  for (std::size_t n = 0; n <= 64; ++n) {
    std::string bytes;
    for (std::size_t i = 0; i < n; ++i)
      bytes.push_back(static_cast<char>((i * 37 + n * 11 + 255) & 0xFF));
    auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value()) << "length " << n;
    EXPECT_EQ(*decoded, bytes) << "length " << n;
  }
}

TEST(Base64url, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
}

class Base64urlBadInput : public testing::TestWithParam<std::string> {};

TEST_P(Base64urlBadInput, IsRefused) { EXPECT_FALSE(base64url_decode(GetParam()).has_value()); }

INSTANTIATE_TEST_SUITE_P(Table, Base64urlBadInput,
                         testing::Values(std::string("Z"),      // a lone character holds no byte
                                         std::string("Zm9vY"),  // length 4n+1
                                         std::string("Zh"),     // "f" with non-zero leftover bits
                                         std::string("Zm9"),    // "fo" with non-zero leftover bits
                                         std::string("Zm8="),   // padding is not base64url
                                         std::string("Zm+v"),   // standard alphabet
                                         std::string("Zm/v"), std::string("Zm 9v"),
                                         std::string("Zm\0v", 4), std::string("Zm9v\n")));

TEST(SecretsEqual, EqualSecretsCompareEqual) {
  EXPECT_TRUE(secrets_equal("s3cret-token", "s3cret-token"));
}

TEST(SecretsEqual, DifferentSecretsCompareUnequal) {
  EXPECT_FALSE(secrets_equal("s3cret-token", "s3cret-tokeN"));
  EXPECT_FALSE(secrets_equal("s3cret-token", "s3cret-toke"));
  EXPECT_FALSE(secrets_equal("s3cret-token", ""));
}

TEST(SecretsEqual, EmptySecretsCompareEqual) { EXPECT_TRUE(secrets_equal("", "")); }

TEST(RandomToken, HasTheBase64urlLengthOfItsBytes) {
  EXPECT_EQ(random_token(0).size(), 0u);
  EXPECT_EQ(random_token(1).size(), 2u);
  EXPECT_EQ(random_token(16).size(), 22u);
  EXPECT_EQ(random_token(32).size(), 43u);
}

TEST(RandomToken, DecodesBackToTheRequestedBytes) {
  auto decoded = base64url_decode(random_token(24));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->size(), 24u);
}

TEST(RandomToken, IsDifferentEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_token(16));
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace server

namespace server {
namespace {

TEST(TokenSignerSlot, KeepsAGuestsSlot) {
  TokenSigner signer(kSecret);
  Claims c = sample_claims();
  c.slot = 3;
  auto back = signer.verify(signer.sign(c), kNow);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->slot, 3);
}

TEST(TokenSignerSlot, WritesNoSlotForOtherTokens) {
  TokenSigner signer(kSecret);
  std::string token = signer.sign(sample_claims());
  auto json = base64url_decode(token.substr(0, token.find('.')));
  ASSERT_TRUE(json);
  EXPECT_EQ(json->find("slot"), std::string::npos);
  EXPECT_EQ(signer.verify(token, kNow)->slot, 0);
}

TEST(TokenSignerSlot, RefusesASlotThatIsNotOneToThree) {
  TokenSigner signer(kSecret);
  for (const char* slot : {"-1", "4", "\"1\"", "1.5", "null"}) {
    std::string claims =
        std::string(R"({"room":"soy","role":"viewer","sub":"v_a","nick":"n","slot":)") + slot + "}";
    EXPECT_FALSE(signer.verify(sign_raw(kSecret, claims), kNow)) << slot;
  }
  EXPECT_TRUE(signer.verify(sign_raw(kSecret, R"({"room":"soy","role":"viewer","sub":"v_a","nick":"n","slot":1})"), kNow));
}

}  // namespace
}  // namespace server
