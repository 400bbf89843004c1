SELECT
  "t34"."_period",
  "t34"."segment",
  COUNT(DISTINCT "t34"."user_id") FILTER(WHERE
    (
      "t34"."day" <= "t34"."w_trailing_30_hi"
    )
    AND (
      "t34"."day" >= "t34"."w_trailing_30_lo"
    )) AS "mau",
  COUNT(DISTINCT "t34"."user_id") FILTER(WHERE
    (
      "t34"."day" <= "t34"."w_trailing_7_hi"
    )
    AND (
      "t34"."day" >= "t34"."w_trailing_7_lo"
    )) AS "wau",
  COUNT("t34"."account_id") FILTER(WHERE
    (
      "t34"."day" <= "t34"."w_trailing_30_hi"
    )
    AND (
      "t34"."day" >= "t34"."w_trailing_30_lo"
    )) AS "active_user_days"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t19"."account_id",
      "t19"."user_id",
      "t19"."day",
      "t32"."account_id" AS "account_id_right",
      "t32"."segment",
      "t4"."_period",
      "t4"."_end_t",
      "t4"."w_trailing_30_lo",
      "t4"."w_trailing_30_hi",
      "t4"."w_trailing_30_lo_t",
      "t4"."w_trailing_30_hi_t",
      "t4"."w_trailing_7_lo",
      "t4"."w_trailing_7_hi",
      "t4"."w_trailing_7_lo_t",
      "t4"."w_trailing_7_hi_t"
    FROM (
      SELECT
        *
      FROM (
        SELECT DISTINCT
          "t1"."account_id",
          "t1"."user_id",
          CAST("t1"."timestamp" AS DATE) AS "day"
        FROM "events" AS "t1"
        WHERE
          "t1"."user_id" IS NOT NULL
          AND "t1"."timestamp" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          AND "t1"."timestamp" >= MAKE_TIMESTAMP(2026, 5, 2, 0, 0, 0.0)
      ) AS "t8"
      WHERE
        (
          (
            "t8"."day" <= MAKE_DATE(2026, 6, 30)
          )
          AND (
            "t8"."day" >= MAKE_DATE(2026, 5, 2)
          )
        )
        OR (
          (
            "t8"."day" <= MAKE_DATE(2026, 6, 30)
          )
          AND (
            "t8"."day" >= MAKE_DATE(2026, 5, 25)
          )
        )
        OR (
          (
            "t8"."day" <= MAKE_DATE(2026, 6, 30)
          )
          AND (
            "t8"."day" >= MAKE_DATE(2026, 5, 2)
          )
        )
    ) AS "t19"
    LEFT OUTER JOIN (
      SELECT
        "t30"."account_id",
        "t30"."segment"
      FROM (
        SELECT
          "t13"."account_id",
          "t9"."segment",
          "t9"."industry",
          "t9"."country",
          "t9"."owner",
          "t21"."plan",
          "t21"."product",
          "t29"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "accounts" AS "t2"
          ) AS "t5"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t3"."account_id"
            FROM "subscriptions" AS "t3"
          ) AS "t7"
        ) AS "t13"
        LEFT OUTER JOIN (
          SELECT
            "t2"."account_id",
            "t2"."segment",
            "t2"."industry",
            "t2"."country",
            "t2"."owner"
          FROM "accounts" AS "t2"
        ) AS "t9"
          ON "t13"."account_id" = "t9"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t16"."account_id",
            "t16"."plan",
            "t16"."product"
          FROM (
            SELECT
              "t11"."account_id",
              "t11"."subscription_id",
              "t11"."valid_from",
              "t11"."valid_until",
              "t11"."mrr",
              "t11"."seats",
              "t11"."plan",
              "t11"."product",
              "t11"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t11"."account_id"
                ORDER BY "t11"."valid_from" DESC, "t11"."mrr" DESC, "t11"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."subscription_id",
                "t3"."valid_from",
                "t3"."valid_to" AS "valid_until",
                COALESCE("t3"."mrr", 0.0) AS "mrr",
                "t3"."seats",
                "t3"."plan",
                "t3"."product",
                "t3"."renewal_date"
              FROM "subscriptions" AS "t3"
              WHERE
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t11"
          ) AS "t16"
          WHERE
            "t16"."_rank" = 0
        ) AS "t21"
          ON "t13"."account_id" = "t21"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t27"."account_id",
            DATE_TRUNC('MONTH', MIN("t27"."day")) AS "cohort"
          FROM (
            SELECT
              "t26"."account_id",
              "t26"."day",
              "t26"."kind",
              "t26"."amount"
            FROM (
              SELECT
                "t25"."account_id",
                "t25"."day",
                "t25"."delta",
                "t25"."cur",
                "t25"."prev",
                "t25"."paid",
                "t25"."paid_before",
                CASE
                  WHEN (
                    "t25"."prev" <= 0
                  )
                  AND (
                    "t25"."cur" > 0
                  )
                  AND (
                    "t25"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t25"."prev" <= 0
                  ) AND (
                    "t25"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t25"."prev" > 0
                  ) AND (
                    "t25"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t25"."prev" > 0
                  ) AND (
                    "t25"."cur" > "t25"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t25"."prev" > 0
                  ) AND (
                    "t25"."cur" < "t25"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t25"."prev" <= 0
                  ) AND (
                    "t25"."cur" > 0
                  )
                  THEN "t25"."cur"
                  WHEN (
                    "t25"."prev" > 0
                  ) AND (
                    "t25"."cur" <= 0
                  )
                  THEN "t25"."prev"
                  ELSE ABS("t25"."cur" - "t25"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t24"."account_id",
                  "t24"."day",
                  "t24"."delta",
                  "t24"."cur",
                  "t24"."prev",
                  "t24"."paid",
                  SUM("t24"."paid") OVER (
                    PARTITION BY "t24"."account_id"
                    ORDER BY "t24"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t24"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t23"."account_id",
                    "t23"."day",
                    "t23"."delta",
                    "t23"."cur",
                    COALESCE(
                      LAG("t23"."cur") OVER (
                        PARTITION BY "t23"."account_id"
                        ORDER BY "t23"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t23"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t22"."account_id",
                      "t22"."day",
                      "t22"."delta",
                      CASE WHEN ABS("t22"."cur") < 1e-06 THEN 0.0 ELSE "t22"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t17"."account_id",
                        "t17"."day",
                        "t17"."delta",
                        CAST(ROUND(
                          SUM("t17"."delta") OVER (
                            PARTITION BY "t17"."account_id"
                            ORDER BY "t17"."day" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                          ),
                          6
                        ) AS DOUBLE) AS "cur"
                      FROM (
                        SELECT
                          "t15"."account_id",
                          "t15"."day",
                          SUM("t15"."delta") AS "delta"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_from" AS "day",
                              COALESCE("t3"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t3"
                          ) AS "t12"
                          UNION ALL
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_to" AS "day",
                              -(
                                COALESCE("t3"."mrr", 0.0)
                              ) AS "delta"
                            FROM "subscriptions" AS "t3"
                            WHERE
                              "t3"."valid_to" IS NOT NULL
                          ) AS "t14"
                        ) AS "t15"
                        GROUP BY
                          1,
                          2
                      ) AS "t17"
                    ) AS "t22"
                  ) AS "t23"
                ) AS "t24"
              ) AS "t25"
            ) AS "t26"
            WHERE
              "t26"."kind" IS NOT NULL
              AND "t26"."kind" = 'new'
              AND "t26"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t27"
          GROUP BY
            1
        ) AS "t29"
          ON "t13"."account_id" = "t29"."account_id"
      ) AS "t30"
    ) AS "t32"
      ON "t19"."account_id" = "t32"."account_id"
    CROSS JOIN "periods" AS "t4"
  ) AS "t33"
  WHERE
    (
      (
        "t33"."day" <= "t33"."w_trailing_30_hi"
      )
      AND (
        "t33"."day" >= "t33"."w_trailing_30_lo"
      )
    )
    OR (
      (
        "t33"."day" <= "t33"."w_trailing_7_hi"
      )
      AND (
        "t33"."day" >= "t33"."w_trailing_7_lo"
      )
    )
    OR (
      (
        "t33"."day" <= "t33"."w_trailing_30_hi"
      )
      AND (
        "t33"."day" >= "t33"."w_trailing_30_lo"
      )
    )
) AS "t34"
GROUP BY
  1,
  2
