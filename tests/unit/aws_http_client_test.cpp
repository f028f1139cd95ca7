#include <gtest/gtest.h>

#include "aws/http_client.hpp"

namespace awrap::internal::aws {
namespace {

TEST(AwsHttpClient, MessagesNameOnlyTheHost) {
  EXPECT_EQ(url_host_for_messages("https://sts.us-east-1.amazonaws.com/"),
            "sts.us-east-1.amazonaws.com");
  EXPECT_EQ(url_host_for_messages("https://user:secret@db.example.com:443/?X-Amz-Signature=abc"),
            "db.example.com:443");
  EXPECT_EQ(url_host_for_messages("http://127.0.0.1:9?token=x"), "127.0.0.1:9");
  EXPECT_EQ(url_host_for_messages("[::1]:8080/path"), "[::1]:8080");
}

TEST(AwsHttpClient, NoListenerIsATransportErrorWithoutTheQuery) {
  CurlHttpClient http;
  HttpRequest request;
  request.url = "http://127.0.0.1:9/?X-Amz-Signature=0123456789abcdef";
  request.timeout = std::chrono::milliseconds(2000);
  try {
    http.send(request);
    FAIL();
  } catch (const HttpTransportError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("GET 127.0.0.1:9 failed"), std::string::npos) << message;
    EXPECT_EQ(message.find("0123456789abcdef"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace awrap::internal::aws
