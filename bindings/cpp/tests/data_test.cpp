// Data: the payload value type (no emulator needed).
#include <gtest/gtest.h>

#include <webpubsub/data.hpp>

using webpubsub::Data;
using webpubsub::DataType;

TEST(Data, TextAndJsonKeepTheirCharacters) {
    const Data text = Data::text("héllo");
    EXPECT_EQ(text.type(), DataType::Text);
    EXPECT_EQ(text.text(), "héllo");
    EXPECT_EQ(text.size(), 6u);

    const Data json = Data::json(R"({"n":1})");
    EXPECT_EQ(json.type(), DataType::Json);
    EXPECT_EQ(json.text(), R"({"n":1})");
}

TEST(Data, BinaryAndProtobufKeepEveryByte) {
    const std::vector<std::uint8_t> bytes{0, 1, 0xff, 0, 42};
    EXPECT_EQ(Data::binary(bytes).bytes(), bytes);
    EXPECT_EQ(Data::binary(bytes.data(), bytes.size()), Data::binary(bytes));
    EXPECT_EQ(Data::protobuf(bytes).type(), DataType::Protobuf);
    EXPECT_EQ(Data::binary(nullptr, 0).size(), 0u);
}

TEST(Data, EqualityComparesTypeAndBytes) {
    EXPECT_EQ(Data::text("1"), Data::text("1"));
    EXPECT_NE(Data::text("1"), Data::json("1"));
    EXPECT_NE(Data::text("1"), Data::text("2"));
    EXPECT_EQ(Data(), Data::text(""));
}
