/**
 * Test fixtures from outside DL4J, ND4J and lstm-spark: classes a crafted model file could make DL4J's loader
 * instantiate or deserialize, each recording whether that happened.
 */
package com.example;
