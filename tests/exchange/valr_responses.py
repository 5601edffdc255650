"""VALR-shaped response bodies, as raw JSON text (the shapes in /work/shared/valr-api.md)."""

from __future__ import annotations

PAIRS = """[
 {"symbol":"BTCZAR","baseCurrency":"BTC","quoteCurrency":"ZAR","shortName":"BTC/ZAR","active":true,
  "minBaseAmount":"0.00001","maxBaseAmount":"2.6","minQuoteAmount":"10","maxQuoteAmount":"5000000",
  "tickSize":"1","baseDecimalPlaces":"8","marginTradingAllowed":true,"currencyPairType":"SPOT"},
 {"symbol":"ETHZAR","baseCurrency":"ETH","quoteCurrency":"ZAR","shortName":"ETH/ZAR","active":true,
  "minBaseAmount":"0.0002","maxBaseAmount":"50","minQuoteAmount":"10","maxQuoteAmount":"5000000",
  "tickSize":"1","baseDecimalPlaces":"8","marginTradingAllowed":true,"currencyPairType":"SPOT"},
 {"symbol":"ODDPERP","currencyPairType":"FUTURE"}
]"""

MARKET_SUMMARY = """{"currencyPair":"BTCZAR","askPrice":"1234568","bidPrice":"1234567",
 "lastTradedPrice":"1234567.5","previousClosePrice":"1200000","baseVolume":"12.34567891",
 "quoteVolume":"15234567.12","highPrice":"1250000","lowPrice":"1190000",
 "created":"2026-11-24T19:00:00.123Z","changeFromPrevious":"2.88","markPrice":"1234567"}"""

ORDERBOOK = """{"Asks":[
 {"side":"sell","quantity":"0.5","price":"1234568","currencyPair":"BTCZAR","orderCount":2},
 {"side":"sell","quantity":"1.25","price":"1234600","currencyPair":"BTCZAR","orderCount":1}],
 "Bids":[{"side":"buy","quantity":"0.75","price":"1234567","currencyPair":"BTCZAR","orderCount":3}],
 "LastChange":"2026-11-24T19:00:00.456Z","SequenceNumber":90071992547409931}"""

CROSSED_ORDERBOOK = """{"Asks":[
 {"side":"sell","quantity":"0.5","price":"1234000","currencyPair":"BTCZAR","orderCount":1}],
 "Bids":[{"side":"buy","quantity":"0.5","price":"1234500","currencyPair":"BTCZAR","orderCount":1}],
 "LastChange":"2026-11-24T19:00:00.456Z","SequenceNumber":7}"""

SERVER_TIME = '{"epochTime":1764010800,"time":"2026-11-24T19:00:00.000Z"}'
STATUS_ONLINE = '{"status":"online"}'

BALANCES = """[{"currency":"ZAR","available":"100000.01","reserved":"5000","total":"105000.01",
 "updatedAt":"2026-11-24T19:00:00.000Z"},
 {"currency":"BTC","available":"0.00012345","reserved":"0","total":"0.00012345",
 "updatedAt":"2026-11-24T19:00:00.000Z"}]"""

ORDER_ACK = '{"id":"558f5e0a-ffd1-46dd-8fae-763d93fa2f25","customerOrderId":"corr-1"}'

ORDER_STATUS = """{"orderId":"558f5e0a-ffd1-46dd-8fae-763d93fa2f25","orderStatusType":"Partially Filled",
 "currencyPair":"BTCZAR","originalPrice":"1234567","remainingQuantity":"0.00006","originalQuantity":"0.0001",
 "orderSide":"buy","orderType":"limit","failedReason":"","orderUpdatedAt":"2026-11-24T19:00:01.000Z",
 "orderCreatedAt":"2026-11-24T19:00:00.000Z","customerOrderId":"corr-1","timeInForce":"GTC"}"""

OPEN_ORDERS = """[{"orderId":"558f5e0a-ffd1-46dd-8fae-763d93fa2f25","side":"buy",
 "remainingQuantity":"0.00006",
 "price":"1234567","currencyPair":"BTCZAR","createdAt":"2026-11-24T19:00:00.000Z","originalQuantity":"0.0001",
 "filledPercentage":"40.00","updatedAt":"2026-11-24T19:00:01.000Z","status":"Partially Filled","type":"limit",
 "timeInForce":"GTC","customerOrderId":"corr-1"}]"""

TRADE_HISTORY = """[{"price":"1234567","quantity":"0.00004","currencyPair":"BTCZAR",
 "tradedAt":"2026-11-24T19:00:01.000Z","side":"buy","sequenceId":9007199254740993,
 "id":"a1b2c3","orderId":"558f5e0a-ffd1-46dd-8fae-763d93fa2f25","fee":"0.00000004","feeCurrency":"BTC",
 "customerOrderId":"corr-1"}]"""

INVALID_ORDER = '{"code":-1,"message":"Invalid Order. "}'
INSUFFICIENT_BALANCE = '{"code":-6,"message":"Insufficient Balance"}'
DUPLICATE_CUSTOMER_ORDER_ID = '{"code":-11502,"message":"Duplicate customerOrderId"}'
BAD_SIGNATURE = '{"code":-11252,"message":"Request has an invalid signature"}'
UNSUPPORTED_PAIR = '{"code":-21,"message":"Unsupported currency pair","validationErrors":{}}'
HTML_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
