"""The Admin GraphQL documents the adapter sends (API version in ``settings``).

Each has an operation name; the loopback simulator answers by that name.
"""

from __future__ import annotations

ORDER_FIELDS = """
fragment HubOrder on Order {
  id
  name
  email
  phone
  createdAt
  updatedAt
  cancelledAt
  displayFinancialStatus
  displayFulfillmentStatus
  currencyCode
  totalPriceSet { shopMoney { amount currencyCode } }
  customer { id displayName email phone }
  shippingAddress { name address1 address2 city province zip country phone }
  shippingLine { title code source }
  lineItems(first: 100) {
    nodes { id sku name quantity originalUnitPriceSet { shopMoney { amount } } }
  }
  fulfillments(first: 10) { displayStatus location { name } }
}
"""

ORDERS = (
    """
query HubOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...HubOrder }
  }
}
"""
    + ORDER_FIELDS
)

ORDER = (
    """
query HubOrder($id: ID!) {
  order(id: $id) { ...HubOrder }
}
"""
    + ORDER_FIELDS
)

STOCK = """
query HubStock($query: String!) {
  inventoryItems(first: 20, query: $query) {
    nodes {
      sku
      variant { displayName product { title } }
      inventoryLevels(first: 50) {
        nodes { location { name } quantities(names: ["available"]) { name quantity } }
      }
    }
  }
}
"""

SUGGESTED_REFUND = """
query HubSuggestedRefund($id: ID!, $lines: [RefundLineItemInput!]) {
  order(id: $id) {
    suggestedRefund(refundLineItems: $lines) {
      amountSet { shopMoney { amount currencyCode } }
      suggestedTransactions {
        gateway
        kind
        amountSet { shopMoney { amount } }
        parentTransaction { id }
      }
    }
  }
}
"""

ORDER_CANCEL = """
mutation HubOrderCancel($orderId: ID!, $reason: OrderCancelReason!, $staffNote: String) {
  orderCancel(
    orderId: $orderId
    reason: $reason
    restock: true
    notifyCustomer: true
    refundMethod: { originalPaymentMethodsRefund: true }
    staffNote: $staffNote
  ) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

REFUND_CREATE = """
mutation HubRefundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}
"""

ORDER_UPDATE = """
mutation HubOrderUpdate($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id updatedAt }
    userErrors { field message }
  }
}
"""

ORDER_INVOICE_SEND = """
mutation HubOrderInvoiceSend($id: ID!) {
  orderInvoiceSend(id: $id) {
    order { id }
    userErrors { field message }
  }
}
"""
