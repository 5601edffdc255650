"""VALR's own examples, copied verbatim from the official Postman collection
(`valr-official/postman-collection.json`, the content of docs.valr.com). Each constant names its
request (folder / request name / saved example) in the comment above it; WebSocket samples come
from the "WebSocket API" folder texts. Regenerate nothing by hand: copy again from the source."""

# ruff: noqa: E501, W291

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Example:
    request: str  # "<folder> / <request name> / <saved example>"
    method: str
    url: str
    status: int
    body: str


# Public APIs / Currency Pairs / Currency Pairs
PAIRS = Example(
    'Public APIs / Currency Pairs / Currency Pairs',
    'GET',
    '{{apiBaseUrl}}/v1/public/pairs',
    200,
    r'''[
  {
    "symbol": "ETHZAR",
    "baseCurrency": "ETH",
    "quoteCurrency": "ZAR",
    "shortName": "ETH/ZAR",
    "active": true,
    "minBaseAmount": "0.0002",
    "maxBaseAmount": "69.21",
    "minQuoteAmount": "10",
    "maxQuoteAmount": "5000000",
    "tickSize": "1",
    "baseDecimalPlaces": "8",
    "marginTradingAllowed": true,
    "currencyPairType": "SPOT",
    "initialMarginFraction": "0.2",
    "maintenanceMarginFraction": "0.1",
    "autoCloseMarginFraction": "0.033333333"
  },
  {
    "symbol": "BNBUSDC",
    "baseCurrency": "BNB",
    "quoteCurrency": "USDC",
    "shortName": "BNB/USDC",
    "active": true,
    "minBaseAmount": "0.0008",
    "maxBaseAmount": "80",
    "minQuoteAmount": "0.52",
    "maxQuoteAmount": "52000",
    "tickSize": "0.1",
    "baseDecimalPlaces": "4",
    "marginTradingAllowed": false,
    "currencyPairType": "SPOT"
  },
  {
    "symbol": "SHIBUSDC",
    "baseCurrency": "SHIB",
    "quoteCurrency": "USDC",
    "shortName": "SHIB/USDC",
    "active": true,
    "minBaseAmount": "44600",
    "maxBaseAmount": "2750000000",
    "minQuoteAmount": "0.59",
    "maxQuoteAmount": "50000",
    "tickSize": "0.00000001",
    "baseDecimalPlaces": "0",
    "marginTradingAllowed": false,
    "currencyPairType": "SPOT"
  },
  {
    "symbol": "LTCBTC",
    "baseCurrency": "LTC",
    "quoteCurrency": "BTC",
    "shortName": "LTC/BTC",
    "active": false,
    "minBaseAmount": "0.0043",
    "maxBaseAmount": "15.67",
    "minQuoteAmount": "0.000016",
    "maxQuoteAmount": "0.0512",
    "tickSize": "0.000001",
    "baseDecimalPlaces": "8",
    "marginTradingAllowed": false,
    "currencyPairType": "SPOT"
  },
  {
    "symbol": "LTCETH",
    "baseCurrency": "LTC",
    "quoteCurrency": "ETH",
    "shortName": "LTC/ETH",
    "active": false,
    "minBaseAmount": "0.0237",
    "maxBaseAmount": "15.67",
    "minQuoteAmount": "0.0081",
    "maxQuoteAmount": "0.7576",
    "tickSize": "0.00000001",
    "baseDecimalPlaces": "8",
    "marginTradingAllowed": false,
    "currencyPairType": "SPOT"
  },
  {
    "symbol": "ETHUSDTPERP",
    "baseCurrency": "ETH",
    "quoteCurrency": "USDT",
    "shortName": "ETH/USDTPERP",
    "active": true,
    "minBaseAmount": "0.001",
    "maxBaseAmount": "32",
    "minQuoteAmount": "1",
    "maxQuoteAmount": "100000",
    "tickSize": "0.1",
    "baseDecimalPlaces": "3",
    "marginTradingAllowed": false,
    "currencyPairType": "FUTURE",
    "initialMarginFraction": "0.025",
    "maintenanceMarginFraction": "0.0125",
    "autoCloseMarginFraction": "0.0125"
  },
  {
    "symbol": "BTCUSDCPERP",
    "baseCurrency": "BTC",
    "quoteCurrency": "USDC",
    "shortName": "BTC/USDCPERP",
    "active": false,
    "minBaseAmount": "0.0001",
    "maxBaseAmount": "35",
    "minQuoteAmount": "1",
    "maxQuoteAmount": "1000000",
    "tickSize": "1",
    "baseDecimalPlaces": "4",
    "marginTradingAllowed": false,
    "currencyPairType": "FUTURE",
    "initialMarginFraction": "0.2",
    "maintenanceMarginFraction": "0.1",
    "autoCloseMarginFraction": "0.033333333"
  },
  {
    "symbol": "WIFUSDTPERP",
    "baseCurrency": "WIF",
    "quoteCurrency": "USDT",
    "shortName": "WIF/USDTPERP",
    "active": false,
    "minBaseAmount": "1",
    "maxBaseAmount": "10000",
    "minQuoteAmount": "1",
    "maxQuoteAmount": "25000",
    "tickSize": "0.0001",
    "baseDecimalPlaces": "0",
    "marginTradingAllowed": false,
    "currencyPairType": "FUTURE",
    "initialMarginFraction": "0.2",
    "maintenanceMarginFraction": "0.1",
    "autoCloseMarginFraction": "0.033333333"
  }
]''',
)

# Public APIs / Market Summary / Market Summary
MARKET_SUMMARIES = Example(
    'Public APIs / Market Summary / Market Summary',
    'GET',
    '{{apiBaseUrl}}/v1/public/marketsummary',
    200,
    r'''[
  {
    "currencyPair": "BTCUSDTPERP",
    "askPrice": "105656",
    "bidPrice": "105594",
    "lastTradedPrice": "105611",
    "previousClosePrice": "106678",
    "baseVolume": "1.0638",
    "quoteVolume": "113947.8777",
    "highPrice": "108840",
    "lowPrice": "105600",
    "created": "2025-06-17T12:34:32.069Z",
    "changeFromPrevious": "-1",
    "markPrice": "105628"
  },
  {
    "currencyPair": "BATUSDC",
    "askPrice": "0.12481",
    "bidPrice": "0.12457",
    "lastTradedPrice": "0.12471",
    "previousClosePrice": "0.1292",
    "baseVolume": "0",
    "quoteVolume": "0",
    "highPrice": "0.131",
    "lowPrice": "0.12432",
    "created": "2025-06-17T12:32:22.079Z",
    "changeFromPrevious": "-3.47",
    "markPrice": "0"
  },
  {
    "currencyPair": "ALGOUSDC",
    "askPrice": "0.1731",
    "bidPrice": "0.1729",
    "lastTradedPrice": "0.173",
    "previousClosePrice": "0.1812",
    "baseVolume": "0",
    "quoteVolume": "0",
    "highPrice": "0.1865",
    "lowPrice": "0.1718",
    "created": "2025-06-17T12:34:25.703Z",
    "changeFromPrevious": "-4.52",
    "markPrice": "0"
  },
  {
    "currencyPair": "SHIBUSDC",
    "askPrice": "0",
    "bidPrice": "0",
    "lastTradedPrice": "0.00002178",
    "previousClosePrice": "0.00002178",
    "baseVolume": "0",
    "quoteVolume": "0",
    "highPrice": "0.00002178",
    "lowPrice": "0",
    "created": "2025-06-17T12:34:05Z",
    "changeFromPrevious": "0",
    "markPrice": "0.00001176"
  },
  {
    "currencyPair": "ZROUSDT",
    "askPrice": "2.016",
    "bidPrice": "2.015",
    "lastTradedPrice": "1.947",
    "previousClosePrice": "1.947",
    "baseVolume": "0",
    "quoteVolume": "0",
    "highPrice": "1.947",
    "lowPrice": "0",
    "created": "2025-06-17T12:34:05Z",
    "changeFromPrevious": "0",
    "markPrice": "1.878"
  },
  {
    "currencyPair": "USDTUSDC",
    "askPrice": "1.00046",
    "bidPrice": "1.00033",
    "lastTradedPrice": "1.00037",
    "previousClosePrice": "1.00026",
    "baseVolume": "757540.1433",
    "quoteVolume": "757913.592959302",
    "highPrice": "1.00066",
    "lowPrice": "1.00023",
    "created": "2025-06-17T12:34:32.049Z",
    "changeFromPrevious": "0.01",
    "markPrice": "1.0003"
  }
]''',
)

# Public APIs / Market Summary for a currency pair / Market Summary for a currency pair
MARKET_SUMMARY = Example(
    'Public APIs / Market Summary for a currency pair / Market Summary for a currency pair',
    'GET',
    '{{apiBaseUrl}}/v1/public/:currencyPair/marketsummary',
    200,
    r'''{
    "currencyPair": "BTCUSDT",
    "askPrice": "93129",
    "bidPrice": "81400",
    "lastTradedPrice": "93129",
    "previousClosePrice": "93129",
    "baseVolume": "0",
    "quoteVolume": "0",
    "highPrice": "93129",
    "lowPrice": "0",
    "created": "2025-07-17T07:37:05.061Z",
    "changeFromPrevious": "0",
    "markPrice": "118156"
}''',
)

# Public APIs / Order Book / Order Book
PUBLIC_ORDER_BOOK = Example(
    'Public APIs / Order Book / Order Book',
    'GET',
    '{{apiBaseUrl}}/v1/public/:currencyPair/orderbook',
    200,
    r'''{
  "Asks": [
    {
      "side": "sell",
      "quantity": "0.01293134",
      "price": "93129",
      "currencyPair": "BTCUSDT",
      "orderCount": 1
    }
  ],
  "Bids": [
    {
      "side": "buy",
      "quantity": "1.23136671",
      "price": "81400",
      "currencyPair": "BTCUSDT",
      "orderCount": 17
    }
  ],
  "LastChange": "2025-07-15T12:19:21.501Z",
  "SequenceNumber": 282886
}''',
)

# Public APIs / Trade History / Trade History
PUBLIC_TRADES = Example(
    'Public APIs / Trade History / Trade History',
    'GET',
    '{{apiBaseUrl}}/v1/public/:currencyPair/trades?skip=0&limit=10',
    200,
    r'''[
  {
    "price": "93129",
    "quantity": "0.00119363",
    "currencyPair": "BTCUSDT",
    "tradedAt": "2025-07-15T12:19:21.501Z",
    "takerSide": "buy",
    "sequenceId": 1368928567986638852,
    "id": "01980e06-771d-73f1-aec8-b2fe69d943f1",
    "quoteVolume": "111.16156827"
  },
  {
    "price": "93129",
    "quantity": "0.0004428",
    "currencyPair": "BTCUSDT",
    "tradedAt": "2025-07-14T05:22:52.344Z",
    "takerSide": "buy",
    "sequenceId": 1368928567986638835,
    "id": "01980762-cd38-719d-b7ea-d75c1872719d",
    "quoteVolume": "41.2375212"
  },
  {
    "price": "93129",
    "quantity": "0.00025957",
    "currencyPair": "BTCUSDT",
    "tradedAt": "2025-07-13T12:53:11.924Z",
    "takerSide": "buy",
    "sequenceId": 1368928567986638834,
    "id": "019803d8-ba74-7e30-94e5-750c88ed6e30",
    "quoteVolume": "24.17349453"
  },
  {
    "price": "93129",
    "quantity": "0.00000637",
    "currencyPair": "BTCUSDT",
    "tradedAt": "2025-07-07T09:59:54.743Z",
    "takerSide": "buy",
    "sequenceId": 1368928567986638499,
    "id": "0197e453-ec77-74aa-aece-7c437b42f4aa",
    "quoteVolume": "0.59323173"
  },
  {
    "price": "93129",
    "quantity": "0.00003763",
    "currencyPair": "BTCUSDT",
    "tradedAt": "2025-07-07T09:59:49.731Z",
    "takerSide": "buy",
    "sequenceId": 1368928567986638497,
    "id": "0197e453-d8e3-7fb7-a8a8-2cd0c16b7fb7",
    "quoteVolume": "3.50444427"
  }
]''',
)

# Public APIs / Server Time / Server Time
SERVER_TIME = Example(
    'Public APIs / Server Time / Server Time',
    'GET',
    '{{apiBaseUrl}}/v1/public/time',
    200,
    r'''{
    "epochTime": 1750165361,
    "time": "2025-06-17T13:02:41.280178906Z"
}''',
)

# Public APIs / VALR Status / Online
STATUS_1 = Example(
    'Public APIs / VALR Status / Online',
    'GET',
    '{{apiBaseUrl}}/v1/public/status',
    200,
    r'''{
    "status": "online"
}''',
)

# Public APIs / VALR Status / Read Only
STATUS_2 = Example(
    'Public APIs / VALR Status / Read Only',
    'GET',
    '{{apiBaseUrl}}/v1/public/status',
    200,
    r'''{
    "status": "read-only"
}''',
)

# Public APIs / Price Buckets for a currency pair / Price Buckets for a currency pair
# (the first two of the saved example's 300 buckets, verbatim; the rest repeat the shape)
BUCKETS = Example(
    'Public APIs / Price Buckets for a currency pair / Price Buckets for a currency pair',
    'GET',
    '{{apiBaseUrl}}/v1/public/:currencyPair/buckets?periodSeconds=60&startTime=1753102597&endTime=1753188997&skip=0&limit=300&includeEmpty=true',
    200,
    r'''[
    {
        "currencyPairSymbol": "BTCUSDC",
        "bucketPeriodInSeconds": 60,
        "startTime": "2025-07-22T12:56:00Z",
        "open": "119350",
        "high": "119350",
        "low": "119350",
        "close": "119350",
        "volume": "0",
        "quoteVolume": "0"
    },
    {
        "currencyPairSymbol": "BTCUSDC",
        "bucketPeriodInSeconds": 60,
        "startTime": "2025-07-22T12:55:00Z",
        "open": "119350",
        "high": "119350",
        "low": "119350",
        "close": "119350",
        "volume": "0",
        "quoteVolume": "0"
    }
]''',
)

# Market Data / Order Book / Order Book
MARKETDATA_ORDER_BOOK = Example(
    'Market Data / Order Book / Order Book',
    'GET',
    '{{apiBaseUrl}}/v1/marketdata/:currencyPair/orderbook',
    200,
    r'''{
    "Asks": [
        {
            "side": "sell",
            "quantity": "0.998418",
            "price": "118000",
            "currencyPair": "BTCUSDC",
            "orderCount": 1
        }
    ],
    "Bids": [
        {
            "side": "buy",
            "quantity": "0.0001",
            "price": "117820",
            "currencyPair": "BTCUSDC",
            "orderCount": 1
        },
        {
            "side": "buy",
            "quantity": "0.0000143",
            "price": "117819",
            "currencyPair": "BTCUSDC",
            "orderCount": 2
        },
        {
            "side": "buy",
            "quantity": "0.00002",
            "price": "117818",
            "currencyPair": "BTCUSDC",
            "orderCount": 2
        },
        {
            "side": "buy",
            "quantity": "0.00002",
            "price": "117817",
            "currencyPair": "BTCUSDC",
            "orderCount": 2
        },
        {
            "side": "buy",
            "quantity": "0.00002",
            "price": "117816",
            "currencyPair": "BTCUSDC",
            "orderCount": 2
        },
        {
            "side": "buy",
            "quantity": "0.00002",
            "price": "117815",
            "currencyPair": "BTCUSDC",
            "orderCount": 2
        },
        {
            "side": "buy",
            "quantity": "0.00003",
            "price": "117814",
            "currencyPair": "BTCUSDC",
            "orderCount": 3
        },
        {
            "side": "buy",
            "quantity": "0.00001",
            "price": "117813",
            "currencyPair": "BTCUSDC",
            "orderCount": 1
        },
        {
            "side": "buy",
            "quantity": "0.00001",
            "price": "117810",
            "currencyPair": "BTCUSDC",
            "orderCount": 1
        },
        {
            "side": "buy",
            "quantity": "0.99924",
            "price": "117700",
            "currencyPair": "BTCUSDC",
            "orderCount": 1
        },
        {
            "side": "buy",
            "quantity": "0.28698179",
            "price": "2000",
            "currencyPair": "BTCUSDC",
            "orderCount": 18
        }
    ],
    "LastChange": "2025-08-05T08:51:11.470Z",
    "SequenceNumber": 2907775
}''',
)

# Market Data / Trade History / Trade History
MARKETDATA_TRADES = Example(
    'Market Data / Trade History / Trade History',
    'GET',
    '{{apiBaseUrl}}/v1/marketdata/:currencyPair/tradehistory?skip=0&limit=10',
    200,
    r'''[
    {
        "price": "118000",
        "quantity": "0.00058147",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-08-04T12:38:10.282Z",
        "takerSide": "buy",
        "sequenceId": 1368928567986639370,
        "id": "01987516-e06a-756c-825d-82ada5ded56c",
        "quoteVolume": "68.61346"
    },
    {
        "price": "118000",
        "quantity": "0.00000847",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-31T12:04:27.246Z",
        "takerSide": "buy",
        "sequenceId": 1368928567986639360,
        "id": "0198605e-91ee-7219-9f45-bdced9b23219",
        "quoteVolume": "0.99946"
    },
    {
        "price": "117819",
        "quantity": "0.0000057",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-27T09:59:35.211Z",
        "takerSide": "sell",
        "sequenceId": 1368928567986639203,
        "id": "01984b52-d02b-7d03-95dd-5093feec1d03",
        "quoteVolume": "0.6715683"
    },
    {
        "price": "117820",
        "quantity": "0.00000215",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-27T09:59:35.211Z",
        "takerSide": "sell",
        "sequenceId": 1368928567986639202,
        "id": "01984b52-d02b-7ecf-9807-0228a0764ecf",
        "quoteVolume": "0.253313"
    },
    {
        "price": "118000",
        "quantity": "0.00001694",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-25T10:17:16.560Z",
        "takerSide": "buy",
        "sequenceId": 1368928567986639191,
        "id": "01984116-4a10-7f42-81d8-593826d8cf42",
        "quoteVolume": "1.99892"
    },
    {
        "price": "118000",
        "quantity": "0.00000847",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-25T10:16:16.471Z",
        "takerSide": "buy",
        "sequenceId": 1368928567986639190,
        "id": "01984115-5f57-7c72-9b1c-2a2defedbc72",
        "quoteVolume": "0.99946"
    },
    {
        "price": "118000",
        "quantity": "0.00000847",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-25T10:11:16.374Z",
        "takerSide": "buy",
        "sequenceId": 1368928567986639189,
        "id": "01984110-cb16-75a7-ab11-2dcf939315a7",
        "quoteVolume": "0.99946"
    },
    {
        "price": "118000",
        "quantity": "0.00000847",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-25T10:06:16.819Z",
        "takerSide": "buy",
        "sequenceId": 1368928567986639188,
        "id": "0198410c-38f3-76e9-8571-6baa82bab6e9",
        "quoteVolume": "0.99946"
    },
    {
        "price": "117820",
        "quantity": "0.00000785",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-25T09:59:16.743Z",
        "takerSide": "sell",
        "sequenceId": 1368928567986639187,
        "id": "01984105-d007-7bc1-a5ad-86466dbc0bc1",
        "quoteVolume": "0.924887"
    },
    {
        "price": "118000",
        "quantity": "0.00000847",
        "currencyPair": "BTCUSDC",
        "tradedAt": "2025-07-24T11:37:11.776Z",
        "takerSide": "buy",
        "sequenceId": 1368928567986639156,
        "id": "01983c39-1960-7b37-a507-68e8327b6b37",
        "quoteVolume": "0.99946"
    }
]''',
)

# Account / Balances / Balances
BALANCES = Example(
    'Account / Balances / Balances',
    'GET',
    '{{apiBaseUrl}}/v1/account/balances?excludeZeroBalances=true',
    200,
    r'''[
    {
        "currency": "USDT",
        "available": "44822.97549155",
        "reserved": "99.99925",
        "total": "145612.43129945",
        "updatedAt": "2023-04-25T09:00:04.406Z",
        "lendReserved": "100000",
        "borrowReserved": "689.4565579",
        "borrowedAmount": "0",
        "totalInReference": "7828.62533868",
        "totalInReferenceWeighted": "7828.62533868",
        "referenceCurrency": "USDC"
    },
    {
        "currency": "BTC",
        "available": "0",
        "reserved": "0",
        "total": "-0.00101056",
        "updatedAt": "2023-04-25T09:00:00.103Z",
        "lendReserved": "0",
        "borrowReserved": "0",
        "borrowedAmount": "0.00101056",
        "totalInReference": "-28.29568",
        "totalInReferenceWeighted": "-27.588288",
        "referenceCurrency": "USDC"
    }
]''',
)

# Account / Trade History / Trade History For All Currency Pairs
ACCOUNT_TRADES_1 = Example(
    'Account / Trade History / Trade History For All Currency Pairs',
    'GET',
    '{{apiBaseUrl}}/v1/account/tradehistory?skip=0&limit=100',
    200,
    r'''[
  {
    "price": "49.89",
    "quantity": "0.2004",
    "currencyPair": "XRPZAR",
    "tradedAt": "2025-07-04T08:38:13.407Z",
    "side": "buy",
    "sequenceId": 1368928567986638030,
    "id": "0197d496-0e9f-7230-9aa1-4699655e7230",
    "orderId": "0197d496-0e4e-7453-ae5b-1d930e8f3a81",
    "fee": "0.0032064",
    "feeCurrency": "XRP"
  }
]''',
)

# Account / Trade History / Trade History Paginating With beforeId
ACCOUNT_TRADES_2 = Example(
    'Account / Trade History / Trade History Paginating With beforeId',
    'GET',
    '{{apiBaseUrl}}/v1/account/tradehistory?skip=0&limit=100',
    200,
    r'''[
  {
    "price": "109800",
    "quantity": "0.0001",
    "currencyPair": "BTCUSDC",
    "tradedAt": "2025-07-04T08:37:01.499Z",
    "side": "buy",
    "sequenceId": 1368928567986638028,
    "id": "0197d494-f5bb-71f5-9df6-33c92a7a01f5",
    "orderId": "0197d494-f5ba-77e1-83f1-37a1fcffe446",
    "fee": "0.0000001",
    "feeCurrency": "BTC"
  }
]''',
)

# Account / Trade History / Trade History With startTime And endTime
ACCOUNT_TRADES_3 = Example(
    'Account / Trade History / Trade History With startTime And endTime',
    'GET',
    '{{apiBaseUrl}}/v1/account/tradehistory?skip=0&limit=100',
    200,
    r'''[
  {
    "price": "49.89",
    "quantity": "0.2004",
    "currencyPair": "XRPZAR",
    "tradedAt": "2025-07-04T08:38:13.407Z",
    "side": "buy",
    "sequenceId": 1368928567986638030,
    "id": "0197d496-0e9f-7230-9aa1-4699655e7230",
    "orderId": "0197d496-0e4e-7453-ae5b-1d930e8f3a81",
    "fee": "0.0032064",
    "feeCurrency": "XRP"
  },
  {
    "price": "109800",
    "quantity": "0.0001",
    "currencyPair": "BTCUSDC",
    "tradedAt": "2025-07-04T08:37:01.499Z",
    "side": "buy",
    "sequenceId": 1368928567986638028,
    "id": "0197d494-f5bb-71f5-9df6-33c92a7a01f5",
    "orderId": "0197d494-f5ba-77e1-83f1-37a1fcffe446",
    "fee": "0.0000001",
    "feeCurrency": "BTC"
  }
]''',
)

# Account / Trade History For A Currency Pair / Trade History For A Currency Pair
ACCOUNT_PAIR_TRADES_1 = Example(
    'Account / Trade History For A Currency Pair / Trade History For A Currency Pair',
    'GET',
    '{{apiBaseUrl}}/v1/account/:currencyPair/tradehistory?skip=0&limit=100',
    200,
    r'''[
    {
        "price": "93129",
        "quantity": "0.0001",
        "currencyPair": "BTCUSDT",
        "tradedAt": "2025-06-13T09:21:48.393Z",
        "side": "buy",
        "sequenceId": 1368928567986636114,
        "id": "01976898-6969-7c30-b002-bb021d376c30",
        "orderId": "01976898-6967-7d63-88c1-8223d40cc39e",
        "fee": "0.0000001",
        "feeCurrency": "BTC"
    }
]''',
)

# Account / Trade History For A Currency Pair / Trade History For A Currency Pair With Skip
ACCOUNT_PAIR_TRADES_2 = Example(
    'Account / Trade History For A Currency Pair / Trade History For A Currency Pair With Skip',
    'GET',
    '{{apiBaseUrl}}/v1/account/:currencyPair/tradehistory?skip=0&limit=100',
    200,
    r'''[
    {
        "price": "93129",
        "quantity": "0.0001",
        "currencyPair": "BTCUSDT",
        "tradedAt": "2025-06-13T09:21:48.393Z",
        "side": "buy",
        "sequenceId": 1368928567986636114,
        "id": "01976898-6969-7c30-b002-bb021d376c30",
        "orderId": "01976898-6967-7d63-88c1-8223d40cc39e",
        "fee": "0.0000001",
        "feeCurrency": "BTC"
    }
]''',
)

# Exchange Buy/Sell / Limit Order V1 / Limit order accepted
LIMIT_ORDER_1 = Example(
    'Exchange Buy/Sell / Limit Order V1 / Limit order accepted',
    'POST',
    '{{apiBaseUrl}}/v1/orders/limit',
    202,
    r'''{
    "id": "0198175e-53b0-7c4b-ac26-b18a8a687e59",
    "customerOrderId": "123"
}''',
)

# Exchange Buy/Sell / Limit Order V1 / Limit Order With Conditional accepted
LIMIT_ORDER_2 = Example(
    'Exchange Buy/Sell / Limit Order V1 / Limit Order With Conditional accepted',
    'POST',
    '{{apiBaseUrl}}/v1/orders/limit',
    202,
    r'''{
    "id": "5b5ca343-2063-40dd-9c31-840dc72a5aab",
    "customerOrderId": "LimitSell",
    "conditionalOrderId": "e281eb8e-c315-4372-a7b6-8c5e5f5eb971"
}''',
)

# Exchange Buy/Sell / Order Status (orderId) / Failed Buy
ORDER_STATUS_1 = Example(
    'Exchange Buy/Sell / Order Status (orderId) / Failed Buy',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/orderid/:orderId',
    200,
    r'''{
    "orderId": "0198177e-54b4-7847-b87a-7f5db0f677d8",
    "orderStatusType": "Failed",
    "currencyPair": "ETHBTC",
    "originalPrice": "0",
    "remainingQuantity": "0.000565",
    "originalQuantity": "0.000565",
    "orderSide": "buy",
    "orderType": "market",
    "failedReason": "We did not execute this order since it would have matched with your own order on the Exchange",
    "orderUpdatedAt": "2025-07-17T08:26:51.958Z",
    "orderCreatedAt": "2025-07-17T08:26:51.956Z",
    "customerOrderId": "1234",
    "timeInForce": "IOC"
}''',
)

# Exchange Buy/Sell / Order Status (orderId) / Cancelled
ORDER_STATUS_2 = Example(
    'Exchange Buy/Sell / Order Status (orderId) / Cancelled',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/orderid/:orderId',
    200,
    r'''{
    "orderId": "01981786-c482-7bae-a3da-4a756ef9d12e",
    "orderStatusType": "Cancelled",
    "currencyPair": "ETHBTC",
    "originalPrice": "0.0355",
    "remainingQuantity": "0.000565",
    "originalQuantity": "0.000565",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T08:37:44.419Z",
    "orderCreatedAt": "2025-07-17T08:36:04.866Z",
    "customerOrderId": "LimitSell",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (orderId) / Filled - Order Status (orderId)
ORDER_STATUS_3 = Example(
    'Exchange Buy/Sell / Order Status (orderId) / Filled - Order Status (orderId)',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/orderid/:orderId',
    200,
    r'''{
    "orderId": "0198178f-a957-7684-b650-eb987183f8e5",
    "orderStatusType": "Filled",
    "currencyPair": "ETHBTC",
    "originalPrice": "0.03",
    "remainingQuantity": "0",
    "originalQuantity": "0.033333",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T08:53:00.620Z",
    "orderCreatedAt": "2025-07-17T08:45:47.735Z",
    "customerOrderId": "LimitSell",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (orderId) / Partially Filled
ORDER_STATUS_4 = Example(
    'Exchange Buy/Sell / Order Status (orderId) / Partially Filled',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/orderid/:orderId',
    200,
    r'''{
    "orderId": "0198178f-a957-7684-b650-eb987183f8e5",
    "orderStatusType": "Partially Filled",
    "currencyPair": "ETHBTC",
    "originalPrice": "0.03",
    "remainingQuantity": "0.032333",
    "originalQuantity": "0.033333",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T08:47:05.537Z",
    "orderCreatedAt": "2025-07-17T08:45:47.735Z",
    "customerOrderId": "LimitSell",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (orderId) / Placed
ORDER_STATUS_5 = Example(
    'Exchange Buy/Sell / Order Status (orderId) / Placed',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/orderid/:orderId',
    200,
    r'''{
    "orderId": "01981786-c482-7bae-a3da-4a756ef9d12e",
    "orderStatusType": "Placed",
    "currencyPair": "ETHBTC",
    "originalPrice": "0.0355",
    "remainingQuantity": "0.000565",
    "originalQuantity": "0.000565",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T08:36:04.867Z",
    "orderCreatedAt": "2025-07-17T08:36:04.866Z",
    "customerOrderId": "LimitSell",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (orderId) / Active Stop Order
ORDER_STATUS_6 = Example(
    'Exchange Buy/Sell / Order Status (orderId) / Active Stop Order',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/orderid/:orderId',
    200,
    r'''{
    "orderId": "ff72a8d6-161f-43a6-806d-68061afc3c7a",
    "orderStatusType": "Active",
    "currencyPair": "XRPZAR",
    "originalPrice": "10",
    "remainingQuantity": "10",
    "originalQuantity": "10",
    "orderSide": "buy",
    "orderType": "take-profit-limit",
    "failedReason": "",
    "orderUpdatedAt": "2022-08-18T12:34:56.115Z",
    "orderCreatedAt": "2022-08-18T12:34:56.112Z",
    "customerOrderId": "556789",
    "stopPrice": "12",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (orderId) / Triggered Stop Order
ORDER_STATUS_7 = Example(
    'Exchange Buy/Sell / Order Status (orderId) / Triggered Stop Order',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/orderid/:orderId',
    200,
    r'''{
    "orderId": "b4b678f4-eae7-477d-b48f-0e27a25efadc",
    "orderStatusType": "Placed",
    "currencyPair": "XRPZAR",
    "originalPrice": "10",
    "remainingQuantity": "10",
    "originalQuantity": "10",
    "orderSide": "sell",
    "orderType": "stop-loss-limit",
    "failedReason": "",
    "orderUpdatedAt": "2022-08-18T12:40:07.992Z",
    "orderCreatedAt": "2022-08-17T15:13:24.732Z",
    "stopPrice": "3000",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (customerOrderId) / Order Filled
ORDER_STATUS_CID_1 = Example(
    'Exchange Buy/Sell / Order Status (customerOrderId) / Order Filled',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/customerorderid/:customerOrderId',
    200,
    r'''{
    "orderId": "0198178f-a957-7684-b650-eb987183f8e5",
    "orderStatusType": "Filled",
    "currencyPair": "ETHBTC",
    "originalPrice": "0.03",
    "remainingQuantity": "0",
    "originalQuantity": "0.033333",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T08:53:00.620Z",
    "orderCreatedAt": "2025-07-17T08:45:47.735Z",
    "customerOrderId": "LimitSell",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (customerOrderId) / Order placed
ORDER_STATUS_CID_2 = Example(
    'Exchange Buy/Sell / Order Status (customerOrderId) / Order placed',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/customerorderid/:customerOrderId',
    200,
    r'''{
    "orderId": "019817da-ed41-7e7c-b68b-2b58644d3e89",
    "orderStatusType": "Placed",
    "currencyPair": "ETHBTC",
    "originalPrice": "0.03",
    "remainingQuantity": "0.033333",
    "originalQuantity": "0.033333",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T10:08:00.348Z",
    "orderCreatedAt": "2025-07-17T10:08:00.321Z",
    "customerOrderId": "LimitSell",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (customerOrderId) / Invalid Order
ORDER_STATUS_CID_3 = Example(
    'Exchange Buy/Sell / Order Status (customerOrderId) / Invalid Order',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/customerorderid/:customerOrderId',
    400,
    r'''{
    "code": -1,
    "message": "Invalid Order. "
}''',
)

# Exchange Buy/Sell / Order Status (customerOrderId) / Partially Filled
ORDER_STATUS_CID_4 = Example(
    'Exchange Buy/Sell / Order Status (customerOrderId) / Partially Filled',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/customerorderid/:customerOrderId',
    200,
    r'''{
    "orderId": "019817da-ed41-7e7c-b68b-2b58644d3e89",
    "orderStatusType": "Partially Filled",
    "currencyPair": "ETHBTC",
    "originalPrice": "0.03",
    "remainingQuantity": "0.023333",
    "originalQuantity": "0.033333",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T10:09:45.204Z",
    "orderCreatedAt": "2025-07-17T10:08:00.321Z",
    "customerOrderId": "LimitSell",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order Status (customerOrderId) / Order failed
ORDER_STATUS_CID_5 = Example(
    'Exchange Buy/Sell / Order Status (customerOrderId) / Order failed',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/customerorderid/:customerOrderId',
    200,
    r'''{
    "orderId": "019817df-c3a3-771f-894a-90a8e6a7824e",
    "orderStatusType": "Failed",
    "currencyPair": "ETHBTC",
    "originalPrice": "0",
    "remainingQuantity": "0.01",
    "originalQuantity": "0.01",
    "orderSide": "buy",
    "orderType": "market",
    "failedReason": "We did not execute this order since it would have matched with your own order on the Exchange",
    "orderUpdatedAt": "2025-07-17T10:13:17.348Z",
    "orderCreatedAt": "2025-07-17T10:13:17.347Z",
    "customerOrderId": "1234",
    "timeInForce": "IOC"
}''',
)

# Exchange Buy/Sell / Order Status (customerOrderId) / Active Stop Order
ORDER_STATUS_CID_6 = Example(
    'Exchange Buy/Sell / Order Status (customerOrderId) / Active Stop Order',
    'GET',
    '{{apiBaseUrl}}/v1/orders/:currencyPair/customerorderid/:customerOrderId',
    200,
    r'''{
    "orderId": "ff72a8d6-161f-43a6-806d-68061afc3c7a",
    "orderStatusType": "Active",
    "currencyPair": "XRPZAR",
    "originalPrice": "10",
    "remainingQuantity": "10",
    "originalQuantity": "10",
    "orderSide": "buy",
    "orderType": "take-profit-limit",
    "failedReason": "",
    "orderUpdatedAt": "2022-08-18T12:34:56.115Z",
    "orderCreatedAt": "2022-08-18T12:34:56.112Z",
    "customerOrderId": "556789",
    "stopPrice": "12",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / All Open Orders / All Open Orders
OPEN_ORDERS_1 = Example(
    'Exchange Buy/Sell / All Open Orders / All Open Orders',
    'GET',
    '{{apiBaseUrl}}/v1/orders/open',
    200,
    r'''[
    {
        "orderId": "4cbf1b17-fa28-4be3-8d36-08b829cfedf9",
        "side": "sell",
        "remainingQuantity": "0.00005062",
        "price": "66391",
        "currencyPair": "BTCUSDC",
        "createdAt": "2024-05-08T11:51:29.169Z",
        "originalQuantity": "0.00015062",
        "filledPercentage": "66.39",
        "updatedAt": "2024-05-08T11:51:29.181Z",
        "status": "Partially Filled",
        "type": "limit",
        "timeInForce": "GTC",
        "allowMargin": true
    },
    {
        "orderId": "4352df1d-6d24-472e-8a81-9c03e74690e7",
        "side": "sell",
        "remainingQuantity": "3",
        "price": "17.9",
        "currencyPair": "AVAXUSDC",
        "createdAt": "2024-05-08T11:55:14.422Z",
        "originalQuantity": "3",
        "filledPercentage": "0.00",
        "updatedAt": "2024-05-08T11:55:14.423Z",
        "status": "Placed",
        "type": "limit",
        "timeInForce": "GTC",
        "allowMargin": false
    },
    {
        "orderId": "9d0b49ef-fd54-4653-822d-bef023e2e2e4",
        "side": "sell",
        "remainingQuantity": "0.12",
        "price": "381",
        "currencyPair": "AVAXZAR",
        "createdAt": "2024-05-08T11:55:56.682Z",
        "originalQuantity": "0.12",
        "filledPercentage": "0.00",
        "updatedAt": "2024-05-08T11:55:56.683Z",
        "status": "Placed",
        "type": "limit",
        "timeInForce": "GTC",
        "allowMargin": false
    },
    {
        "orderId": "6506546f-eb88-4cde-9409-eeec17bdf062",
        "side": "sell",
        "remainingQuantity": "12",
        "price": "36",
        "currencyPair": "SOLUSDC",
        "createdAt": "2024-05-08T11:57:27.222Z",
        "originalQuantity": "12",
        "filledPercentage": "0.00",
        "updatedAt": "2024-05-08T11:57:27.245Z",
        "status": "Placed",
        "type": "post-only limit",
        "timeInForce": "GTC",
        "allowMargin": false
    },
    {
        "orderId": "d75888b8-58e9-4472-ad75-911018fc1770",
        "side": "buy",
        "remainingQuantity": "0.015954",
        "price": "0.06268",
        "currencyPair": "ETHBTC",
        "createdAt": "2024-05-08T12:00:46.890Z",
        "originalQuantity": "0.015954",
        "filledPercentage": "0.00",
        "updatedAt": "2024-05-08T12:00:46.909Z",
        "status": "Placed",
        "type": "post-only limit",
        "timeInForce": "GTC",
        "allowMargin": false
    },
    {
        "orderId": "ec8f3d88-0a22-4dad-af26-bed0148883b7",
        "side": "buy",
        "remainingQuantity": "12",
        "price": "0.99989",
        "currencyPair": "PYUSDUSDT",
        "createdAt": "2024-05-08T12:01:25.860Z",
        "originalQuantity": "12",
        "filledPercentage": "0.00",
        "updatedAt": "2024-05-08T12:01:25.861Z",
        "status": "Placed",
        "type": "post-only limit",
        "timeInForce": "GTC",
        "allowMargin": false
    }
]''',
)

# Exchange Buy/Sell / All Open Orders / Active and Triggered Open Stop Orders
OPEN_ORDERS_2 = Example(
    'Exchange Buy/Sell / All Open Orders / Active and Triggered Open Stop Orders',
    'GET',
    '{{apiBaseUrl}}/v1/orders/open',
    200,
    r'''[
    {
        "orderId": "b4b678f4-eae7-477d-b48f-0e27a25efadc",
        "side": "sell",
        "remainingQuantity": "10",
        "price": "10",
        "currencyPair": "XRPZAR",
        "createdAt": "2022-08-17T15:13:24.732Z",
        "originalQuantity": "10",
        "filledPercentage": "0.00",
        "stopPrice": "3000",
        "updatedAt": "2022-08-18T12:40:07.992Z",
        "status": "Placed",
        "type": "stop-loss-limit",
        "timeInForce": "GTC"
    },
    {
        "orderId": "ff72a8d6-161f-43a6-806d-68061afc3c7a",
        "side": "buy",
        "remainingQuantity": "10",
        "price": "10",
        "currencyPair": "XRPZAR",
        "createdAt": "2022-08-18T12:34:56.112Z",
        "originalQuantity": "10",
        "filledPercentage": "0.00",
        "customerOrderId": "556789",
        "stopPrice": "12",
        "updatedAt": "2022-08-18T12:34:56.115Z",
        "status": "Active",
        "type": "take-profit-limit",
        "timeInForce": "GTC"
    }
]''',
)

# Exchange Buy/Sell / Order History Summary (orderId) / Order History Summary (orderId)
HISTORY_SUMMARY_1 = Example(
    'Exchange Buy/Sell / Order History Summary (orderId) / Order History Summary (orderId)',
    'GET',
    '{{apiBaseUrl}}/v1/orders/history/summary/orderid/:orderId',
    200,
    r'''{
    "orderId": "b47d36bf-adbc-4310-b904-b326a5be9079",
    "orderStatusType": "Filled",
    "currencyPair": "ETHZAR",
    "averagePrice": "8104",
    "originalPrice": "123",
    "remainingQuantity": "0",
    "originalQuantity": "0.01517769",
    "total": "122.99999976",
    "totalExecutedQuantity": "0.01517769",
    "totalFee": "0.000113832675",
    "feeCurrency": "ETH",
    "orderSide": "buy",
    "orderType": "simple",
    "failedReason": "",
    "orderUpdatedAt": "2021-02-01T15:57:57.994Z",
    "orderCreatedAt": "2021-02-01T15:57:57.992Z",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order History Summary (orderId) / Filled Stop Order
HISTORY_SUMMARY_2 = Example(
    'Exchange Buy/Sell / Order History Summary (orderId) / Filled Stop Order',
    'GET',
    '{{apiBaseUrl}}/v1/orders/history/summary/orderid/:orderId',
    200,
    r'''{
    "orderId": "b4b678f4-eae7-477d-b48f-0e27a25efadc",
    "orderStatusType": "Filled",
    "currencyPair": "XRPZAR",
    "averagePrice": "10",
    "originalPrice": "10",
    "remainingQuantity": "0",
    "originalQuantity": "10",
    "total": "100",
    "totalExecutedQuantity": "10",
    "totalFee": "0",
    "feeCurrency": "ZAR",
    "orderSide": "sell",
    "orderType": "stop-loss-limit",
    "failedReason": "",
    "orderUpdatedAt": "2022-08-18T12:47:01.991Z",
    "orderCreatedAt": "2022-08-17T15:13:24.732Z",
    "stopPrice": "3000",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order History Summary (customerOrderId) / Order History Summary (customerOrderId)
HISTORY_SUMMARY_CID_1 = Example(
    'Exchange Buy/Sell / Order History Summary (customerOrderId) / Order History Summary (customerOrderId)',
    'GET',
    '{{apiBaseUrl}}/v1/orders/history/summary/customerorderid/:customerOrderId',
    200,
    r'''{
    "orderId": "0198178f-a957-7684-b650-eb987183f8e5",
    "customerOrderId": "LimitSell",
    "orderStatusType": "Filled",
    "currencyPair": "ETHBTC",
    "averagePrice": "0.03",
    "originalPrice": "0.03",
    "remainingQuantity": "0",
    "originalQuantity": "0.033333",
    "total": "0.00099999",
    "totalExecutedQuantity": "0.033333",
    "totalFee": "0.000000799992",
    "feeCurrency": "BTC",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-07-17T08:53:00.620Z",
    "orderCreatedAt": "2025-07-17T08:45:47.735Z",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Order History Summary (customerOrderId) / Failed Stop Order
HISTORY_SUMMARY_CID_2 = Example(
    'Exchange Buy/Sell / Order History Summary (customerOrderId) / Failed Stop Order',
    'GET',
    '{{apiBaseUrl}}/v1/orders/history/summary/customerorderid/:customerOrderId',
    200,
    r'''{
    "orderId": "b54f42ab-8228-4783-aad9-8b66f63a52d0",
    "customerOrderId": "556789",
    "orderStatusType": "Failed",
    "currencyPair": "XRPZAR",
    "averagePrice": "0",
    "originalPrice": "10",
    "remainingQuantity": "10",
    "originalQuantity": "10",
    "total": "0",
    "totalExecutedQuantity": "0",
    "totalFee": "0",
    "feeCurrency": "XRP",
    "orderSide": "buy",
    "orderType": "stop-loss-limit",
    "failedReason": "Stop order failed as it would have been triggered immediately",
    "orderUpdatedAt": "2022-08-18T12:33:23.264Z",
    "orderCreatedAt": "2022-08-18T12:33:23.260Z",
    "stopPrice": "12",
    "timeInForce": "GTC"
}''',
)

# Exchange Buy/Sell / Modify Order V1 / Modify Order
MODIFY_ORDER = Example(
    'Exchange Buy/Sell / Modify Order V1 / Modify Order',
    'PUT',
    '{{apiBaseUrl}}/v1/orders/modify',
    202,
    r'''{
    "id": "019817f6-da14-70f5-acc9-d7b4e71eadb2"
}''',
)

# Exchange Buy/Sell / Cancel Order V1 / Deleted Order
CANCEL_ORDER = Example(
    'Exchange Buy/Sell / Cancel Order V1 / Deleted Order',
    'DELETE',
    '{{apiBaseUrl}}/v1/orders/order',
    202,
    r'''''',
)



# WebSocket API / Account / Read / BALANCE_UPDATE (sample message feed)
WS_BALANCE_UPDATE = r'''{
    "type": "BALANCE_UPDATE",
    "data": {
        "currency": {
            "symbol": "BTC",
            "decimalPlaces": 8,
            "isActive": true,
            "shortName": "BTC",
            "longName": "Bitcoin",
            "supportedWithdrawDecimalPlaces": 8,
            "collateral": true,
            "collateralWeight": "0.95"
        },
        "available": "0.00002887",
        "reserved": "0",
        "total": "0.00002887",
        "updatedAt": "2023-03-12T03:28:36.600Z",
        "lendReserved": "0",
        "borrowCollateralReserved": "0",
        "borrowedAmount": "0",
        "totalInReference": "14.84599332",
        "totalInReferenceWeighted": "14.103693654",
        "referenceCurrency": "ZAR"
    }
}'''

# WebSocket API / Account / Read / NEW_ACCOUNT_TRADE (sample message feed)
WS_NEW_ACCOUNT_TRADE = r'''{
  "type": "NEW_ACCOUNT_TRADE",
  "currencyPairSymbol": "BTCUSDT",
  "data": {
    "price": "114,953",
    "quantity": "0.0001",
    "currencyPair": "BTCUSDT",
    "tradedAt": "2025-10-28T07:13:21.635Z",
    "side": "buy",
    "orderId": "019a29aa-0cd9-75d6-813c-994bab34c642",
    "id": "019a29aa-0ce3-75db-bfc2-dd543aa745db",
    "fee": "0.0000001",
    "feeCurrency": "BTC",
    "customerOrderId": "marketWS"
  }
}'''

# WebSocket API / Account / Read / OPEN_ORDERS_UPDATE (sample message feed)
WS_OPEN_ORDERS_UPDATE = r'''{
  "type": "OPEN_ORDERS_UPDATE",
  "data": [
    {
      "orderId": "01972090-c325-7c8d-beed-203ff3630ba6",
      "side": "sell",
      "quantity": "0.0001",
      "price": "2100000",
      "currencyPair": "BTCUSDTPERP",
      "createdAt": "2025-05-30T09:40:47.525Z",
      "originalQuantity": "0.0001",
      "filledPercentage": "0.00",
      "customerOrderId": "MyLimit123",
      "type": "post-only limit",
      "status": "Placed",
      "updatedAt": "2025-05-30T09:40:47.526Z",
      "timeInForce": "GTC",
      "allowMargin": false
    },
    {
      "orderId": "01972090-dcc2-7f16-9343-fa3749aa4f9d",
      "side": "sell",
      "quantity": "0.0001",
      "price": "2200000",
      "currencyPair": "BTCUSDTPERP",
      "createdAt": "2025-05-30T09:40:54.082Z",
      "originalQuantity": "0.0001",
      "filledPercentage": "0.00",
      "type": "post-only limit",
      "status": "Placed",
      "updatedAt": "2025-05-30T09:40:54.084Z",
      "timeInForce": "GTC",
      "allowMargin": false
    }
  ]
}'''

# WebSocket API / Account / Read / "OPEN_ORDERS_UPDATE : Open order modified" (its sample is an ORDER_STATUS_UPDATE)
WS_ORDER_STATUS_UPDATE_MODIFIED = r'''{
  "type": "ORDER_STATUS_UPDATE",
  "data": {
    "orderId": "019a29d0-4362-7dc9-a51d-3533a4bdcf2d",
    "orderStatusType": "Order Modified",
    "currencyPair": "BTCUSDT",
    "originalPrice": "114920",
    "remainingQuantity": "0.0002",
    "originalQuantity": "0.0002",
    "orderSide": "buy",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-10-28T07:56:21.483Z",
    "orderCreatedAt": "2025-10-28T07:55:05.955Z",
    "customerOrderId": "testWS",
    "executedPrice": "0",
    "executedQuantity": "0",
    "executedFee": "0",
    "timeInForce": "GTC"
  }
}'''

# WebSocket API / Account / Read / ORDER_PROCESSED (sample message feed)
WS_ORDER_PROCESSED = r'''{
  "type": "ORDER_PROCESSED",
  "data": {
    "orderId": "019a2a2c-8c45-7ffa-815a-e7272a8216c9",
    "success": true,
    "failureReason": "",
    "customerOrderId": "testWS"
  }
}'''

# WebSocket API / Account / Read / ORDER_STATUS_UPDATE (sample message feed)
WS_ORDER_STATUS_UPDATE = r'''{
  "type": "ORDER_STATUS_UPDATE",
  "data": {
    "orderId": "019a2a46-5730-7081-bfa2-7c6fc7e2d5db",
    "orderStatusType": "Partially Filled",
    "currencyPair": "BTCUSDT",
    "originalPrice": "114950",
    "remainingQuantity": "0.0002",
    "originalQuantity": "0.0003",
    "orderSide": "sell",
    "orderType": "post-only limit",
    "failedReason": "",
    "orderUpdatedAt": "2025-10-28T10:04:40.566Z",
    "orderCreatedAt": "2025-10-28T10:04:04.272Z",
    "customerOrderId": "testWS",
    "executedPrice": "114950",
    "executedQuantity": "0.0001",
    "executedFee": "0.009196",
    "timeInForce": "GTC"
  }
}'''

# WebSocket API / Account / Read / FAILED_CANCEL_ORDER (sample message feed)
WS_FAILED_CANCEL_ORDER = r'''{
    "type": "FAILED_CANCEL_ORDER",
    "data": {
        "orderId": "247dc157-bb5b-49af-b476-2f613b780697",
        "message": "An error occurred while cancelling your order."
    }
}'''

# WebSocket API / Account / Read / MODIFY_ORDER_OUTCOME (sample message feed)
WS_MODIFY_ORDER_OUTCOME = r'''{
  "type": "MODIFY_ORDER_OUTCOME",
  "data": {
    "success": true,
    "orderId": "019a29d0-4362-7dc9-a51d-3533a4bdcf2d",
    "customerOrderId": "testWS",
    "modifyRequestId": "019a2a0f-1216-737b-9065-8138dae1e874"
  }
}'''

# WebSocket API / Trade / AGGREGATED_ORDERBOOK_UPDATE (sample message feed)
WS_AGGREGATED_ORDERBOOK_UPDATE = r'''{
  "type": "AGGREGATED_ORDERBOOK_UPDATE",
  "currencyPairSymbol": "BTCUSDT",
  "data": {
    "Asks": [
      {
        "side": "sell",
        "quantity": "0.005",
        "price": "9500",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "sell",
        "quantity": "0.01",
        "price": "9750",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "sell",
        "quantity": "0.643689",
        "price": "10000",
        "currencyPair": "BTCUSDT",
        "orderCount": 3
      },
      {
        "side": "sell",
        "quantity": "0.2",
        "price": "11606",
        "currencyPair": "BTCUSDT",
        "orderCount": 2
      },
      {
        "side": "sell",
        "quantity": "0.67713484",
        "price": "14000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "sell",
        "quantity": "1",
        "price": "15000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "sell",
        "quantity": "1",
        "price": "16000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "sell",
        "quantity": "1",
        "price": "17000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "sell",
        "quantity": "1",
        "price": "18000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "sell",
        "quantity": "1",
        "price": "19000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      }
    ],
    "Bids": [
      {
        "side": "buy",
        "quantity": "0.038",
        "price": "9000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8802",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.2",
        "price": "8801",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8800",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8700",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8600",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8500",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8400",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.3",
        "price": "8200",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8100",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "0.1",
        "price": "8000",
        "currencyPair": "BTCUSDT",
        "orderCount": 1
      },
      {
        "side": "buy",
        "quantity": "1.08027437",
        "price": "1",
        "currencyPair": "BTCUSDT",
        "orderCount": 3
      }
    ],
    "LastChange": "2020-06-01T11:54:51.634Z",
    "SequenceNumber": 452998
  }
}'''

# WebSocket API / Trade / MARKET_SUMMARY_UPDATE (sample message feed)
WS_MARKET_SUMMARY_UPDATE = r'''{
  "type": "MARKET_SUMMARY_UPDATE",
  "currencyPairSymbol": "BTCUSDT",
  "data": { 
        "currencyPair": "BTCUSDT",
        "askPrice": "297357",
        "bidPrice": "297205",
        "lastTradedPrice": "297161",
        "previousClosePrice": "296596",
        "baseVolume": "244.33584689486",
        "highPrice": "300180",
        "lowPrice": "281930",
        "created": "2022-11-14T08:30:26.037Z",
        "changeFromPrevious": "0.19",
        "markPrice": "297205"
  }
}'''

# WebSocket API / Trade / NEW_TRADE (sample message feed)
WS_NEW_TRADE = r'''{
  "type": "NEW_TRADE",
  "currencyPairSymbol": "BTCUSDT",
  "data": {
    "price": "9500",
    "quantity": "0.001",
    "currencyPair": "BTCUSDT",
    "tradedAt": "2019-04-25T19:51:55.393Z",
    "takerSide": "buy"
  }
}'''
