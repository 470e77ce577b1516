package io.sparkgan.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every place in a configuration where Jackson could take a class name from. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConfigurationClassesTest {
    private static void refused(String json, String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigurationClasses.check(json), json);
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void dl4jAndNd4jClassesPass() {
        assertDoesNotThrow(() -> ConfigurationClasses.check("{\"confs\":[{\"layer\":{\"@class\":\"org.deeplearning4j.nn.conf.layers.DenseLayer\","
                + "\"activationFn\":{\"@class\":\"org.nd4j.linalg.activations.impl.ActivationReLU\"},\"layerName\":\"layer0\","
                + "\"dist\":{\"type\":\"org.deeplearning4j.nn.conf.distribution.NormalDistribution\"}}}],"
                + "\"inputType\":{\"@class\":\"org.deeplearning4j.nn.conf.inputs.InputType$InputTypeFeedForward\"},\"dataType\":\"FLOAT\",\"x\":1.5}"));
    }

    @Test
    void everyPositionIsChecked() {
        refused("{\"a\":{\"@class\":\"com.example.Gadget\"}}", "'com.example.Gadget'");
        refused("{\"dist\":{\"type\":\"com.example.Gadget\"}}", "'com.example.Gadget'");
        // Jackson's fallback for a type id: an array of [class name, value].
        refused("{\"activationFn\":[\"com.example.Gadget\",{}]}", "'com.example.Gadget'");
        // A field name (wrapper-object type ids), an array element, a generic or array type name.
        refused("{\"com.example.Gadget\":{}}", "'com.example.Gadget'");
        refused("{\"a\":[1,[\"x\",\"com.example.Gadget\"]]}", "'com.example.Gadget'");
        refused("{\"@class\":\"org.deeplearning4j.nn.conf.layers.DenseLayer<com.example.Gadget>\"}", "an '@class' that is not a class name");
        refused("{\"a\":\"java.util.ArrayList<com.example.Gadget>\"}", "'java.util.ArrayList'");
        refused("{\"a\":\"[Lcom.example.Gadget;\"}", "'Lcom.example.Gadget'");
        // ND4J's shaded third-party libraries are not DL4J's classes.
        refused("{\"@class\":\"org.nd4j.shade.jackson.databind.node.POJONode\"}", "'org.nd4j.shade.jackson.databind.node.POJONode'");
        refused("{\"@class\":\"org.deeplearning4jx.Gadget\"}", "'org.deeplearning4jx.Gadget'");
        // A class in the default package has no dots, so "@class" must be a dotted name.
        refused("{\"@class\":\"Gadget\"}", "an '@class' that is not a class name");
        refused("{\"@class\":{\"x\":1}}", "an '@class' that is not a class name");
    }

    @Test
    void textTheGuardCannotInspectAsDl4jWouldIsRefused() {
        // Jackson's tree keeps the last of two equal keys; DL4J's type resolver acts on the first.
        refused("{\"@class\":\"com.example.Gadget\",\"@class\":\"org.deeplearning4j.nn.conf.layers.DenseLayer\"}", "Duplicate field '@class'");
        refused("{\"a\":1 /* comment */}", "not plain JSON");
        refused("[]", "not a JSON object");
        refused("{\"a\":\"\\u0063om.example.Gadget\"}", "'com.example.Gadget'"); // escapes are decoded before the check
    }
}
